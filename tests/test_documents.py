"""The documents as a build writes them: every language and format the blueprint or the
build asks for, deterministic, and what a format cannot be made from is a diagnostic."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sigen.build import Options, build, check_output
from sigen.diagnostics import SigenError
from tests.conftest import REPO, ROLES

ONPREM = REPO / "blueprints" / "onprem-physical.yml"
ALL = Options(languages=("en",), formats=("md", "html", "docx", "pdf"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "eshop"
    build(ONPREM, out, ROLES, options=ALL)
    return out


def test_every_document_in_every_format(built: Path) -> None:
    for name in ("installation-plan", "backup-restore-plan", "disaster-drill-plan",
                 "test-report", "verification-checklist", "lab-report", "host-evaluation",
                 "component-evaluation", "team-chart", "component-list"):
        for fmt in ALL.formats:
            path = built / "docs" / "en" / f"{name}.{fmt}"
            assert path.is_file() and path.stat().st_size > 1000, path
    text = subprocess.run(["pdftotext", str(built / "docs/en/installation-plan.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "ESHOP-O2.2.1" in text and "INS-001" in text
    # The task list's RACI table and the evaluation's figures are real tables there too.
    raci = subprocess.run(["pdftotext", "-layout", str(built / "docs/en/team-chart.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "ESHOP-O1.1.3" in raci and "DRL-002" in raci and "Wang Jun" in raci
    from docx import Document

    evaluation = Document(str(built / "docs/en/host-evaluation.docx"))
    cells = {c.text for t in evaluation.tables for row in t.rows for c in row.cells}
    assert "Physical hosts (the blueprint's)" in cells


def test_the_folder_remembers_its_formats(built: Path) -> None:
    """A later check (and build) of the folder uses the formats it was built with."""
    assert check_output(ONPREM, built, ROLES)[1] == []
    assert Options.of(built) == ALL


def test_formats_are_the_same_bytes_built_again(built: Path, tmp_path: Path) -> None:
    again = tmp_path / "eshop"
    build(ONPREM, again, ROLES, options=ALL)
    for path in sorted((built / "docs").rglob("*")):
        if path.is_file():
            rel = path.relative_to(built)
            assert (again / rel).read_bytes() == path.read_bytes(), rel


def test_a_template_that_is_not_one_is_a_diagnostic(tmp_path: Path) -> None:
    (tmp_path / "letterhead.docx").write_text("not a Word document")
    blueprint = tmp_path / "eshop.yml"
    blueprint.write_text(ONPREM.read_text() + "\ndocuments:\n  word_template: letterhead.docx\n")
    with pytest.raises(SigenError) as err:
        build(blueprint, tmp_path / "out", ROLES,
              options=Options(languages=("en",), formats=("md", "docx")))
    assert [d.code for d in err.value.diagnostics] == ["SG803"]
    assert not (tmp_path / "out").exists(), "nothing is written"
