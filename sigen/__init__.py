"""sigen: compile one system blueprint into an Ansible project and its plans.

The stages are packages: ``sigen.compile`` (load, validate, model, plan), ``sigen.plan`` (the
plan's types, all a back end sees), ``sigen.render`` (the back ends), ``sigen.sync`` (writing
an output folder and keeping it in sync), ``sigen.operate`` (lab, deploy, verify, backup,
drills) and ``sigen.cli``; docs/architecture.md describes them.

The front end's public API: ``load_blueprint`` -> ``validate_blueprint``; every problem is
a ``Diagnostic``, and library code raises ``SigenError`` (carrying them) instead of
printing. The whole pipeline is ``sigen.build.build(blueprint, out, roles_dir)``; it is not
re-exported here because the name would clash with the ``sigen.build`` module, and because
importing the back end (model, renderers, Jinja) is not needed to validate.

The loader, the validator and the schema export are imported on first use: a rebuild with
nothing to do (``sigen build`` of an unchanged blueprint) must not pay for cerberus,
ruamel.yaml and Jinja (about 0.15 s, most of such a run).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sigen.diagnostics import CODES, Diagnostic, SigenError, format_json, format_text

if TYPE_CHECKING:
    from sigen.compile.loader import LoadedBlueprint, load_blueprint
    from sigen.compile.schema_export import json_schema
    from sigen.compile.validate import validate_blueprint

__version__ = "0.1.0"

__all__ = [
    "CODES",
    "Diagnostic",
    "LoadedBlueprint",
    "SigenError",
    "__version__",
    "format_json",
    "format_text",
    "json_schema",
    "load_blueprint",
    "validate_blueprint",
]

_LAZY = {
    "LoadedBlueprint": "sigen.compile.loader",
    "load_blueprint": "sigen.compile.loader",
    "json_schema": "sigen.compile.schema_export",
    "validate_blueprint": "sigen.compile.validate",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sigen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
