"""The command line: exit codes, output formats, one error boundary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sigen import cli

REPO = Path(__file__).resolve().parent.parent
INVALID = REPO / "tests" / "invalid"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no blueprints/ here to validate by default
    assert run(capsys,)[0] == 2
    assert run(capsys, "validate")[0] == 2
    assert run(capsys, "validate", "x.yml", "--format", "xml")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2


def test_invalid_blueprint_exits_1_with_diagnostics(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(INVALID / "rpo-not-met.yml"))
    assert code == 1
    assert ": SG602 " in out
    assert "Traceback" not in out + err


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "--format", "json", str(INVALID / "duplicate-key.yml"))
    assert code == 1
    (diag,) = json.loads(out)["diagnostics"]
    assert diag["code"] == "SG005" and diag["line"] > 0 and diag["severity"] == "error"


def test_github_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "--format", "github", str(INVALID / "empty.yml"))
    assert code == 1
    assert out.startswith("::error file=") and "title=SG003" in out


def test_missing_file_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "no/such/file.yml")
    assert code == 1 and "SG001" in out


def test_clean_blueprint_exits_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    roles = tmp_path / "roles"
    for component in ("haproxy", "nginx", "redis", "postgresql", "monitoring", "backup_server"):
        (roles / component / "tasks").mkdir(parents=True)
        (roles / component / "meta").mkdir()
        (roles / component / "meta" / "argument_specs.yml").write_text(
            "argument_specs:\n  main:\n    options:\n"
            f"      {component}_stats_enabled: {{type: bool}}\n"
            f"      {component}_password: {{type: str, no_log: true}}\n"
            f"      {component}_persistence: {{type: str}}\n"
            f"      {component}_databases: {{type: list}}\n"
            f"      {component}_users: {{type: list}}\n"
            f"      {component}_replication_role: {{type: str}}\n"
        )
    code, out, err = run(capsys, "validate", "--roles", str(roles),
                         str(REPO / "blueprints" / "onprem-physical.yml"))
    assert (code, out) == (0, ""), out + err


def test_unexpected_errors_are_one_line_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("sigen.compile.validate.validate_blueprint", boom)
    monkeypatch.delenv("SIGEN_DEBUG", raising=False)
    code, _, err = run(capsys, "validate", str(REPO / "blueprints" / "onprem-physical.yml"))
    assert code == 3
    assert "internal error: RuntimeError: kaboom" in err and "Traceback" not in err


def test_schema_is_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["type"] == "object"


def test_build_refuses_an_invalid_blueprint_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    code, out, _ = run(capsys, "build", str(INVALID / "dependency-cycle.yml"), "--out",
                       str(out_dir))
    assert code == 1 and "SG401" in out
    assert not out_dir.exists()
