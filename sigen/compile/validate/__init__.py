"""Validate a loaded blueprint: the cerberus schema, then the semantic checks.

``validate_blueprint`` returns every diagnostic at once, sorted; an empty list means the
data is safe to build the model from. The semantic checks run even when the schema found
errors, over whatever parts are well-formed, so a user sees all problems in one run.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sigen.compile.loader import LoadedBlueprint
from sigen.compile.validate.baseline import check_baseline
from sigen.compile.validate.documents import check_documents
from sigen.compile.validate.evaluation import check_evaluation
from sigen.compile.validate.index import Index
from sigen.compile.validate.operations import check_operations
from sigen.compile.validate.racks import check_racks
from sigen.compile.validate.schema import check_schema
from sigen.compile.validate.secrets import check_values
from sigen.compile.validate.settings import check_settings
from sigen.compile.validate.team import check_team
from sigen.compile.validate.topology import check_topology
from sigen.compile.validate.values import FORMAT
from sigen.diagnostics import Diagnostic

__all__ = ["Partial", "validate_blueprint"]


@dataclass(frozen=True)
class Partial(LoadedBlueprint):
    """A blueprint without the list entries known to pass the checks of single entries
    (what ``unseen`` gives). ``placeholders`` are the ids of known entries kept only so that
    rules on a list itself (required, at least one entry) hold: no need to check them."""

    placeholders: frozenset[int] = frozenset()


def validate_blueprint(
    loaded: LoadedBlueprint, roles_dir: Path,
    unseen: Callable[[LoadedBlueprint], LoadedBlueprint | None] | None = None,
) -> list[Diagnostic]:
    """All diagnostics for ``loaded`` (sorted; empty when the blueprint is valid).

    ``roles_dir`` holds the role library: a service's component must be a role there, and
    its settings are checked against that role's ``meta/argument_specs.yml``.
    ``unseen`` (the incremental build's) gives the blueprint without the list entries that
    passed the checks of single entries (schema, literal secrets, a service's settings
    against its role) last time with this same role library, or None; when that part shows
    any problem, the whole blueprint is checked as usual, so diagnostics are always those
    of a full validation.
    """
    version = loaded.data.get("sigen")
    if type(version) is int and 0 < version < FORMAT:
        # An older format is read only after sigen migrate: its fields checked against
        # this format would only repeat what the migration changes.
        return [d for d in check_schema(loaded) if d.code == "SG111"]
    # The checks allocate many short-lived containers that are all freed together; the
    # cyclic collector scanning the loaded document again and again costs more than them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        partial = unseen(loaded) if unseen is not None else None
        if partial is not None:
            diags = check_schema(partial)
            probe = Index.build(partial)
            check_values(probe)
            # Settings: also one service at a time (and importing Ansible's argument spec
            # validator for them is 0.03-0.07 s of a rebuild that changed no service).
            check_settings(probe, roles_dir,
                           partial.placeholders if isinstance(partial, Partial) else ())
            if diags or probe.diags:
                partial = None
        if partial is None:
            diags = check_schema(loaded)
        index = Index.build(loaded)
        if partial is None:
            check_values(index)
            check_settings(index, roles_dir)
        check_topology(index)
        check_racks(index)
        check_operations(index)
        check_documents(index)
        check_baseline(index)
        check_team(index)
        check_evaluation(index)
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
