"""The lab folder beside the generated project (``<out>.lab/``): what only this machine's lab
needs and what must never go into the project (a key, generated secrets, addresses of
podman's time server).

    id_ed25519, id_ed25519.pub  the lab's SSH key (made by ``lab up``)
    authorized_keys             mounted read-only into every lab host
    hosts.yml                   connection inventory, used with the project's inventories/lab
    secrets.yml                 the blueprint's vault variables, generated, vault-encrypted
    vault-password              the password of secrets.yml (0600, lab only)
    state.json                  what ``lab up`` made, for ``status`` and ``down``
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path
from typing import Any

from ansible.constants import DEFAULT_VAULT_ID_MATCH  # type: ignore[import-untyped]
from ansible.parsing.vault import VaultLib, VaultSecret  # type: ignore[import-untyped]

from sigen.operate.lab.podman import lab_error
from sigen.plan import Topology
from sigen.plan.lab import SSH_ARGS
from sigen.render.yamlout import dump

__all__ = [
    "ensure_key",
    "lab_dir",
    "read_secrets",
    "read_state",
    "write_inventory",
    "write_secrets",
    "write_state",
]

def lab_dir(out: Path) -> Path:
    return out.with_name(out.name + ".lab")


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def ensure_key(lab: Path) -> Path:
    """The lab's key pair (made once) and the authorized_keys file the hosts mount."""
    lab.mkdir(parents=True, exist_ok=True)
    key = lab / "id_ed25519"
    if not key.exists():
        try:
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sigen-lab",
                            "-f", str(key)], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise lab_error(f"cannot make the lab SSH key with ssh-keygen ({exc}): install "
                            "openssh-client") from exc
    _write_private(lab / "authorized_keys", (lab / "id_ed25519.pub").read_bytes())
    (lab / "authorized_keys").chmod(0o644)
    return key


def write_inventory(lab: Path, topo: Topology) -> Path:
    """hosts.yml: how Ansible reaches the lab hosts (the project's inventories/lab already
    has their addresses) and the time server they synchronise with."""
    hosts: dict[str, Any] = {
        h.hostname: {"common_ntp_servers": [topo.ntp_server[h.hostname]]} for h in topo.hosts}
    inventory = {"all": {
        "vars": {"ansible_ssh_private_key_file": str((lab / "id_ed25519").resolve()),
                 "ansible_ssh_common_args": SSH_ARGS},
        "hosts": hosts,
    }}
    path = lab / "hosts.yml"
    _write_private(path, dump(inventory, "# Lab connection inventory, written by sigen lab up.\n")
                   .encode())
    return path


def _vault(lab: Path) -> VaultLib:
    password_file = lab / "vault-password"
    if not password_file.exists():
        _write_private(password_file, secrets.token_urlsafe(32).encode() + b"\n")
    password = password_file.read_bytes().strip()
    return VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(password))])


def read_secrets(lab: Path) -> dict[str, str]:
    path = lab / "secrets.yml"
    if not path.exists():
        return {}
    plain = _vault(lab).decrypt(path.read_bytes())
    return dict(json.loads(plain)) if plain.strip() else {}


def write_secrets(lab: Path, names: list[str]) -> Path:
    """secrets.yml holding a random value for each of ``names`` (existing values kept, so a
    second ``lab up`` changes nothing). JSON is YAML, so ``-e @secrets.yml`` reads it."""
    values = read_secrets(lab)
    values = {name: values.get(name) or secrets.token_urlsafe(18) for name in names}
    plain = json.dumps(values, sort_keys=True, indent=1).encode()
    path = lab / "secrets.yml"
    if path.exists() and read_secrets(lab) == values:
        return path
    _write_private(path, _vault(lab).encrypt(plain))
    return path


def write_state(lab: Path, state: dict[str, Any]) -> None:
    _write_private(lab / "state.json", json.dumps(state, indent=1, sort_keys=True).encode())


def read_state(lab: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads((lab / "state.json").read_text()))
    except (OSError, ValueError):
        return None
