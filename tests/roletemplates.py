"""Role templates rendered as Ansible would write them, for tests that compare what a role
writes on a host with what the plan says: Jinja with Ansible's block trimming and the few
Ansible filters the backup roles' templates use, the role's defaults under the given vars."""

from __future__ import annotations

import shlex
from typing import Any

import jinja2

from sigen.plan import host_vars_file
from tests.conftest import ROLES
from tests.test_build_cases import read_yaml


def render_role_template(role: str, template: str, role_vars: dict[str, Any]) -> str:
    defaults = read_yaml((ROLES / role / "defaults" / "main.yml").read_bytes())
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["quote"] = lambda value: shlex.quote(str(value))
    source = (ROLES / role / "templates" / template).read_text()
    return env.from_string(source).render({**defaults, **role_vars, "ansible_managed": "managed"})


def host_vars(files: dict[str, bytes], host: str, env: str = "production") -> dict[str, Any]:
    """host_vars/<host> of an environment's inventory, as the build wrote it."""
    return dict(read_yaml(files[host_vars_file(env, host)]))


def server_client(files: dict[str, bytes], host: str, name: str) -> dict[str, Any]:
    """The entry of backup policy ``name`` in backup_server_clients of ``host``."""
    (entry,) = [c for c in host_vars(files, host)["backup_server_clients"] if c["name"] == name]
    return dict(entry)
