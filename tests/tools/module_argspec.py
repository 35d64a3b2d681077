"""Print the argument specs of Ansible collection modules as JSON, read from the modules
themselves: each module's ``main()`` runs until it builds its ``AnsibleModule``, whose
constructor is replaced by one that hands the arguments back (ansible-test's
validate-modules reads a module's spec the same way).

    python tests/tools/module_argspec.py COLLECTIONS_DIR awx.awx.job_template ...

prints ``{module: {"argument_spec": ..., "options": ..., "documentation": ...}}``: the spec
(without its fallbacks, which read the environment), the constructor's other arguments
(mutually_exclusive, required_if, ...) and the module's DOCUMENTATION, parsed. It runs in
its own process: importing ``ansible_collections`` from a folder and replacing
``AnsibleModule.__init__`` must not leak into the tests.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import yaml


class _Captured(Exception):
    pass


def _plain(spec: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, option in spec.items():
        option = {k: v for k, v in option.items() if k != "fallback"}
        if isinstance(option.get("options"), dict):
            option["options"] = _plain(option["options"])
        out[name] = option
    return out


def argspec(module: str) -> dict[str, Any]:
    from ansible.module_utils import basic

    def capture(_self: object, argument_spec: dict[str, Any] | None = None,
                **kwargs: Any) -> None:
        raise _Captured(argument_spec or {}, kwargs)

    namespace, collection, name = module.split(".")
    code = importlib.import_module(
        f"ansible_collections.{namespace}.{collection}.plugins.modules.{name}")
    original = basic.AnsibleModule.__init__
    basic.AnsibleModule.__init__ = capture  # type: ignore[method-assign]
    try:
        code.main()
    except _Captured as captured:
        spec, kwargs = captured.args
    else:
        raise SystemExit(f"{module}: main() returned without building its AnsibleModule")
    finally:
        basic.AnsibleModule.__init__ = original  # type: ignore[method-assign]
    return {"argument_spec": _plain(spec), "options": kwargs,
            "documentation": yaml.safe_load(code.DOCUMENTATION)}


if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    json.dump({m: argspec(m) for m in sys.argv[2:]}, sys.stdout)
