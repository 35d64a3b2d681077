"""Checks over every value of the document: literal secrets, text too long, YAML 1.1 booleans.

Secrets are found by detect-secrets' own plugins (keywords as in a YAML or env file, basic
auth in URLs, private keys, JWTs, cloud and VCS tokens, high-entropy strings) and by
sigen's structural rules (a key that names a secret, a command-line flag that passes one,
free text that states one). A finding the architect has reviewed and found harmless is
allowed by ``security.not_secrets`` (where, why, who reviewed), and the installation plan
lists every such entry. The loader notes where unquoted yes/no/on/off are; here they become
diagnostics.

One walk over the data; the path of a value is built only when it is reported. Each
distinct string is examined once, and detect-secrets (whose import costs about 0.15 s) is
loaded only when a string could hold a secret at all.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from typing import Any

from sigen.compile.validate.index import Index
from sigen.compile.validate.values import is_secret_reference
from sigen.diagnostics import Diagnostic

__all__ = ["LIMITS", "check_values", "named_path", "secret_in"]

# Longest text a field may hold (characters): a description or a document, a setting's
# value (a configuration file's content, say), anything else (names, titles, labels).
LIMITS = {"description": 4000, "settings": 65536, "other": 1000}
_WHAT = {"description": "a description", "settings": "a setting",
         "other": "a name, title or label"}

# Words that make a key name a secret wherever they stand in it (``PGPASSWORD``), and
# words that do when the key ends with them (``db_pass``, ``api_token``, not ``token_ttl``).
_STRONG = ("password", "passwd", "passphrase", "secretkey", "apikey", "privatekey",
           "accesskey")
_LAST_WORDS = frozenset({"pass", "pwd", "secret", "token", "credential", "credentials"})
# A key with one of these words names where a secret is, or something about one, not the
# secret itself (``password_variable``, ``token_file``, ``password_min_length``).
_REFERENCE_WORDS = frozenset({"variable", "var", "file", "path", "env", "name", "id",
                              "ref", "reference", "length", "policy", "authentication",
                              "type", "url", "uri", "endpoint", "mode", "enabled", "min",
                              "max", "ttl", "lifetime", "expiry", "age", "hash", "algorithm",
                              "public", "pub", "count"})
# Keys whose values are not secrets although the name says so (public keys, references).
_NOT_SECRET_KEYS = frozenset({"ssh_keys", "vault", "env", "password_authentication"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_FLAG = re.compile(r"(?i)(?:^|\s)--?[a-z0-9-]*(?:pass(?:word)?|passwd|pwd|secret|token|"
                   r"api-?key)[a-z0-9-]*(?:=|\s+)(?!-)\S{3,}")
_BEARER = re.compile(r"(?i)\b(?:bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{16,}")
_STATED = re.compile(r"(?i)\b(?:password|passwd|passphrase|pwd|secret|token|api[ _-]?key)"
                     r"\s+(?:is|was|=|:)\s+['\"]?[^\s'\".,;]{4,}")
_FINE_GRAINED_PAT = re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}")
# A string that none of the detectors can find anything in: short and without a run of
# token characters, a URL with credentials or a key block.
_RUN = re.compile(r"[A-Za-z0-9+/=_.~-]{20,}")
_KEYWORDS = re.compile(r"(?i)pass|pwd|secret|token|key|auth|bearer|://|begin|putty")
# Not secrets though random-looking: public keys, and digests that say they are one.
_PUBLIC_KEY = re.compile(r"^(?:ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) "
                         r"[A-Za-z0-9+/=]+(?: .*)?$")
_REFERENCE_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]{1,20})+")
_DIGEST = re.compile(r"(?i)\b(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b?):[0-9a-f]+")


def named_path(data: Any, path: tuple[Any, ...]) -> str:
    """``("services", 2, "settings", "env")`` as ``services.web.settings.env``: list
    entries with a name by their name (stable as the blueprint is edited), others by
    their position."""
    parts: list[str] = []
    node = data
    for step in path:
        if isinstance(step, int) and isinstance(node, list):
            item = node[step] if step < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            parts.append(str(name) if isinstance(name, str) else str(step))
            node = item
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)


def _key_words(key: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(key)]


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: Any) -> bool:
    """Whether a key names a secret value (``PGPASSWORD``, ``db_pass``, ``dbPassword``,
    ``DB-PASSWORD``), not where one is (``password_variable``, ``token_file``)."""
    if not isinstance(key, str) or key in _NOT_SECRET_KEYS:
        return False
    words = _key_words(key)
    if not words or any(w in _REFERENCE_WORDS for w in words):
        return False
    joined = "".join(words)
    return words[-1] in _LAST_WORDS or any(s in joined for s in _STRONG)


@functools.cache
def _plugins() -> tuple[Any, ...]:
    # Imported on first need: most blueprints have no string any of them could match.
    from detect_secrets.plugins import (
        artifactory,
        aws,
        azure_storage_key,
        basic_auth,
        discord,
        github_token,
        gitlab_token,
        jwt,
        mailchimp,
        npm,
        openai,
        private_key,
        pypi_token,
        sendgrid,
        slack,
        softlayer,
        square_oauth,
        stripe,
        telegram_token,
        twilio,
    )
    return (
        artifactory.ArtifactoryDetector(), aws.AWSKeyDetector(),
        azure_storage_key.AzureStorageKeyDetector(), basic_auth.BasicAuthDetector(),
        discord.DiscordBotTokenDetector(), github_token.GitHubTokenDetector(),
        gitlab_token.GitLabTokenDetector(), jwt.JwtTokenDetector(),
        mailchimp.MailchimpDetector(), npm.NpmDetector(), openai.OpenAIDetector(),
        private_key.PrivateKeyDetector(), pypi_token.PypiTokenDetector(),
        sendgrid.SendGridDetector(), slack.SlackDetector(), softlayer.SoftlayerDetector(),
        square_oauth.SquareOAuthDetector(), stripe.StripeDetector(),
        telegram_token.TelegramBotTokenDetector(), twilio.TwilioKeyDetector(),
    )


@functools.cache
def _keyword() -> Any:
    from detect_secrets.plugins.keyword import KeywordDetector

    return KeywordDetector()


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _high_entropy(token: str) -> bool:
    """detect-secrets' limits for random-looking strings: base64 at 4.5 bits per character,
    hexadecimal at 3.0 (a digit in it keeps words out)."""
    if len(token) < 20:
        return False
    if re.fullmatch(r"[0-9a-fA-F]+", token):
        return any(c.isdigit() for c in token) and _entropy(token) > 3.0
    return _entropy(token) > 4.5


@functools.lru_cache(maxsize=65536)
def secret_in(value: str) -> str | None:
    """What kind of secret ``value`` holds, or None (each distinct text is looked at once)."""
    if len(value) < 8 or (_RUN.search(value) is None and _KEYWORDS.search(value) is None):
        return None
    if _PUBLIC_KEY.match(value) and "=" not in value.split(" ", 2)[-1]:
        return None  # an SSH public key line (its comment says nothing secret)
    if _REFERENCE_NAME.fullmatch(value):
        return None  # a variable's name: vault_db_password names where a secret is
    if _FINE_GRAINED_PAT.search(value):
        return "a GitHub token"
    if _FLAG.search(value):
        return "a secret passed on a command line"
    if _BEARER.search(value):
        return "an authorization header or bearer token"
    if _STATED.search(value):
        return "a secret written out in the text"
    for plugin in _plugins():
        if next(iter(plugin.analyze_string(value)), None) is not None:
            return f"a secret ({plugin.secret_type})"
    for line in value.splitlines():
        if _KEYWORDS.search(line) and _keyword().analyze_line("blueprint.yaml", line):
            return "a secret assigned to a key word (password, token, ...)"
    for token in _RUN.findall(_DIGEST.sub("", value)):
        if _high_entropy(token):
            return "a random-looking string (a key or token?)"
    return None


def _allowed(index: Index) -> dict[str, str]:
    """security.not_secrets: the findings reviewed and allowed, by where they are."""
    security = index.loaded.data.get("security")
    entries = security.get("not_secrets") if isinstance(security, dict) else None
    return {str(e["at"]): str(e.get("reason", "")) for e in entries or ()
            if isinstance(e, dict) and isinstance(e.get("at"), str)}


def check_values(index: Index) -> None:
    """Report literal secrets (SG701), text longer than its limit (SG114) and unquoted
    yes/no/on/off (SG010) anywhere."""
    loaded = index.loaded
    for line, col, value in loaded.yaml11_plain:
        index.diags.append(Diagnostic(
            loaded.display_path, line, col, "SG010",
            f"unquoted {value} is text here (YAML 1.2) but a boolean to YAML 1.1 readers such "
            "as Ansible; write true or false for a yes/no value, or quote it "
            f"(\"{value}\") if you mean the text"))
    allowed = _allowed(index)
    for path, code, detail in _walk(loaded.data, []):
        if code == "SG701":
            where = named_path(loaded.data, path)
            if where in allowed:
                continue
            detail += f" (at: {where})"
        index.error(path, code, detail)


def _walk(node: Any, path: list[Any]) -> list[tuple[tuple[Any, ...], str, str]]:
    """Findings under ``node``: one recursion over plain lists (no generators), as cheap per
    value as the walk can be: 400,000 values at 10,000 hosts."""
    found: list[tuple[tuple[Any, ...], str, str]] = []

    def visit(node: Any, in_settings: bool) -> None:
        items: Any
        if type(node) is dict:
            if is_secret_reference(node):
                return
            items = node.items()
        else:
            items = enumerate(node)
        for key, value in items:
            path.append(key)
            kind = type(value)
            inner = in_settings or key == "settings"
            if kind is dict or kind is list:
                visit(value, inner)
            else:
                _leaf(key if type(key) is str else None, value, path, found, inner)
            path.pop()

    if type(node) is dict or type(node) is list:
        visit(node, False)
    return found


def _leaf(key: Any, value: Any, path: list[Any],
          found: list[tuple[tuple[Any, ...], str, str]], in_settings: bool) -> None:
    if type(value) is str:
        limit = (LIMITS["settings"] if in_settings else LIMITS["description"]
                 if key == "description" else LIMITS["other"])
        if len(value) > limit:
            kind = "settings" if in_settings else "description" if key == "description" \
                else "other"
            found.append((tuple(path), "SG114",
                          f"this text is {len(value):,} characters long; {_WHAT[kind]} holds "
                          f"at most {limit:,} (docs/blueprint.md, Limits): shorten it, or "
                          "keep long text in a file the role deploys"))
            return
        what = secret_in(value) if key not in _NOT_SECRET_KEYS else None
        if what is not None:
            found.append((tuple(path), "SG701",
                          f"this value contains {what}; secrets never go in a blueprint: "
                          "remove it (and rotate it, it may be in version control) and use "
                          "{vault: <variable>} or {env: <VARIABLE>}; if it is not a secret, "
                          "say so under security.not_secrets"))
            return
    if key is not None and is_secret_key(key) and isinstance(value, str | int) and \
            not isinstance(value, bool) and value != "" and \
            not (isinstance(value, str) and value.startswith("/")):  # a file's path
        found.append((tuple(path), "SG701",
                      f"{key!r} holds a literal secret; secrets never go in a blueprint: use "
                      "{vault: <ansible variable>} or {env: <ENVIRONMENT_VARIABLE>} instead "
                      "(and rotate the secret if it was committed); if it is not a secret, "
                      "say so under security.not_secrets"))
