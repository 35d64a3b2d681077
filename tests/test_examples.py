"""The repository dogfoods ``sigen check``: examples/<name>/ is the committed output of
blueprints/<name>.yml, and must be exactly what sigen produces now. A change to sigen, its
templates or the role library that alters the outputs regenerates them in the same commit,
with the loop in ``REGENERATE`` (also in the README and docs/sync.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sigen.build import check_output
from sigen.diagnostics import format_text
from tests.conftest import REPO, ROLES

BLUEPRINTS = sorted((REPO / "blueprints").glob("*.yml"))
REGENERATE = ('for bp in blueprints/*.yml; do .venv/bin/sigen build "$bp" --out '
              '"examples/$(basename "$bp" .yml)"; done')


def test_every_blueprint_has_an_example() -> None:
    examples = sorted(p.name for p in (REPO / "examples").iterdir() if p.is_dir())
    assert examples == [bp.stem for bp in BLUEPRINTS], f"regenerate: {REGENERATE}"


@pytest.mark.parametrize("blueprint", BLUEPRINTS, ids=[bp.stem for bp in BLUEPRINTS])
def test_committed_example_is_up_to_date(blueprint: Path) -> None:
    _, diags = check_output(blueprint, REPO / "examples" / blueprint.stem,
                            ROLES)
    assert not diags, (f"examples/{blueprint.stem} is not what sigen produces now; "
                       f"regenerate with\n  {REGENERATE}\n{format_text(diags)}")


def test_top_level_inventories_are_the_examples() -> None:
    """inventories/<name> is the generated inventory of each example (a link into the
    committed output, so the check above keeps it current), usable from a fresh clone."""
    found = sorted(p.name for p in (REPO / "inventories").iterdir())
    assert found == [bp.stem for bp in BLUEPRINTS]
    for name in found:
        link = REPO / "inventories" / name
        assert link.is_symlink(), f"inventories/{name} must link to the example's"
        assert link.resolve() == (REPO / "examples" / name / "inventories").resolve()
        assert (link / "production" / "hosts.json").is_file()
