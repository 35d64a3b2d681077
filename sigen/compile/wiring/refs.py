"""How the generated project reads a secret at run time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sigen.plan import Jinja, Secret

__all__ = ["secret_in", "secret_ref", "secrets_in"]


def secret_ref(secret: Secret) -> Jinja:
    """The Ansible expression that reads a secret reference at run time."""
    if secret.kind == "vault":
        return Jinja("{{ " + secret.name + " }}")
    return Jinja("{{ lookup('ansible.builtin.env', '" + secret.name + "') }}")


def secret_in(value: Any) -> Secret | None:
    """The secret a setting value refers to (``{vault: name}`` or ``{env: NAME}``), if any."""
    if isinstance(value, Mapping) and len(value) == 1 and ("vault" in value or "env" in value):
        kind = "vault" if "vault" in value else "env"
        return Secret(kind, str(value[kind]))
    return None


def secrets_in(value: Any) -> Iterator[Secret]:
    """Every secret reference inside a setting value, in order."""
    secret = secret_in(value)
    if secret is not None:
        yield secret
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from secrets_in(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from secrets_in(v)
