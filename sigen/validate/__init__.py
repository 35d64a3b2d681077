"""Validate a loaded blueprint: the cerberus schema, then the semantic checks.

``validate_blueprint`` returns every diagnostic at once, sorted; an empty list means the
data is safe to build the model from. The semantic checks run even when the schema found
errors, over whatever parts are well-formed, so a user sees all problems in one run.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from sigen.diagnostics import Diagnostic
from sigen.loader import LoadedBlueprint
from sigen.validate.index import Index
from sigen.validate.operations import check_operations
from sigen.validate.schema import check_schema
from sigen.validate.secrets import check_values
from sigen.validate.settings import check_settings
from sigen.validate.topology import check_topology

__all__ = ["validate_blueprint"]


def validate_blueprint(
    loaded: LoadedBlueprint, roles_dir: Path,
    schema_check: Callable[[LoadedBlueprint], list[Diagnostic]] = check_schema,
) -> list[Diagnostic]:
    """All diagnostics for ``loaded`` (sorted; empty when the blueprint is valid).

    ``roles_dir`` holds the role library: a service's component must be a role there, and
    its settings are checked against that role's ``meta/argument_specs.yml``.
    ``schema_check`` replaces the structural check (the incremental build's cached one).
    """
    # The checks allocate many short-lived containers that are all freed together; the
    # cyclic collector scanning the loaded document again and again costs more than them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        diags = schema_check(loaded)
        index = Index.build(loaded)
        check_values(index)
        check_topology(index)
        check_operations(index)
        check_settings(index, roles_dir)
        diags.extend(index.diags)
    finally:
        if enabled:
            gc.enable()
    return _deduplicate(diags)


def _deduplicate(diags: list[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per position and code; an unquoted yes/no hides the type error it
    causes at the same place, since its message already says how to fix both."""
    yaml11 = {(d.line, d.col) for d in diags if d.code == "SG010"}
    kept: dict[tuple[str, int, int, str], Diagnostic] = {}
    for diag in sorted(diags):
        if diag.code in ("SG103", "SG104") and (diag.line, diag.col) in yaml11:
            continue
        kept.setdefault((diag.path, diag.line, diag.col, diag.code), diag)
    return sorted(kept.values())
