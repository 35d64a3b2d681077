"""Checks over every value of the document: literal secrets and YAML 1.1 booleans.

The loader notes where unquoted yes/no/on/off are; here they become diagnostics.

One walk over the data; the path of a value is built only when it is reported, so the
walk stays cheap on large blueprints.
"""

from __future__ import annotations

import re
from typing import Any

from sigen.compile.validate.index import Index
from sigen.compile.validate.values import is_secret_reference
from sigen.diagnostics import Diagnostic

__all__ = ["check_values"]


_SECRET_KEY = re.compile(
    r"(?i)(^|_)(password|passwd|passphrase|secret|token|api_?key|private_?key|"
    r"credentials?|access_?key)($|_)"
)
_SECRET_VALUE = (
    (re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "a GitLab token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"), "a URL with a password"),
)
# Keys whose values are not secrets although the name says so (public keys, references).
_NOT_SECRET_KEYS = frozenset({"ssh_keys", "vault", "env", "password_authentication"})


def check_values(index: Index) -> None:
    """Report literal secrets (SG701) and unquoted yes/no/on/off (SG010) anywhere."""
    loaded = index.loaded
    for line, col, value in loaded.yaml11_plain:
        index.diags.append(Diagnostic(
            loaded.display_path, line, col, "SG010",
            f"unquoted {value} is text here (YAML 1.2) but a boolean to YAML 1.1 readers such "
            "as Ansible; write true or false for a yes/no value, or quote it "
            f"(\"{value}\") if you mean the text"))
    found: list[tuple[tuple[Any, ...], str, str]] = []
    _walk(loaded.data, [], found)
    for path, code, detail in found:
        index.error(path, code, detail)


def _walk(node: Any, path: list[Any], found: list[tuple[tuple[Any, ...], str, str]]) -> None:
    if isinstance(node, dict):
        if is_secret_reference(node):
            return
        for key, value in node.items():
            path.append(key)
            if isinstance(value, dict | list):
                _walk(value, path, found)
            else:
                _leaf(key, value, path, found)
            path.pop()
    elif isinstance(node, list):
        for i, value in enumerate(node):
            path.append(i)
            if isinstance(value, dict | list):
                _walk(value, path, found)
            else:
                _leaf(None, value, path, found)
            path.pop()


def _leaf(key: Any, value: Any, path: list[Any],
          found: list[tuple[tuple[Any, ...], str, str]]) -> None:
    if isinstance(value, str):
        for pattern, what in _SECRET_VALUE:
            if pattern.search(value):
                found.append((tuple(path), "SG701",
                              f"this value contains {what}; secrets never go in a blueprint: "
                              "remove it (and rotate it, it may be in version control) and use "
                              "{vault: <variable>} or {env: <VARIABLE>}"))
                return
    if _is_secret_key(key, path) and isinstance(value, str | int) and \
            not isinstance(value, bool) and value != "":
        found.append((tuple(path), "SG701",
                      f"{key!r} holds a literal secret; secrets never go in a blueprint: use "
                      "{vault: <ansible variable>} or {env: <ENVIRONMENT_VARIABLE>} instead "
                      "(and rotate the secret if it was committed)"))


def _is_secret_key(key: Any, path: list[Any]) -> bool:
    if not isinstance(key, str) or key in _NOT_SECRET_KEYS:
        return False
    return _SECRET_KEY.search(key) is not None
