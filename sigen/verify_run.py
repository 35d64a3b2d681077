"""``sigen verify``: run verify.yml, keep its outcome as a record, read the records back.

A record (``records/verify/<env>-<UTC time>.json``) is measured evidence: each check of
``sigen.verification`` with what was expected and what was observed, when, and against
which blueprint. Builds render the test report and the verification checklist from these
records, so the documents show the latest run and the history of runs.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from sigen.model import Environment
from sigen.plan import Plan
from sigen.playbook_run import RunResult, ansible_playbook
from sigen.verification import rows
from sigen.verify_records import FORMAT, RUNS
from sigen.writer import atomic_write

__all__ = ["run_verify"]



def _record(plan: Plan, env: Environment, outcomes: dict[str, list[dict[str, Any]]],
            started: datetime.datetime, run: RunResult) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "system": plan.blueprint.name,
        "blueprint": plan.blueprint.sha256,
        "environment": env.name,
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(run.seconds, 1),
        "ansible_exit": run.returncode,
        "checks": rows(plan, env, outcomes),
    }


def run_verify(plan: Plan, out: Path, env_name: str) -> tuple[dict[str, Any], Path]:
    """Run verify.yml against ``env_name``; the record written and its path."""
    env = next(e for e in plan.blueprint.environments if e.name == env_name)
    started = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    fd, tmp = tempfile.mkstemp(prefix="sigen-verify-", suffix=".json")
    os.close(fd)
    os.unlink(tmp)  # written by the play; absent when the play never got that far
    try:
        run = ansible_playbook(out, env_name, "verify.yml",
                               extra_vars=[json.dumps({"sigen_verify_output": tmp})])
        try:
            outcomes = json.loads(Path(tmp).read_text())
        except (OSError, ValueError):
            outcomes = {}
    finally:
        Path(tmp).unlink(missing_ok=True)
    record = _record(plan, env, outcomes if isinstance(outcomes, dict) else {}, started, run)
    path = out / RUNS / f"{env_name}-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps(record, indent=1, ensure_ascii=False) + "\n").encode())
    return record, path
