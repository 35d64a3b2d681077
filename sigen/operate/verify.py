"""``sigen verify``: run verify.yml, keep its outcome as a record, read the records back.

A record (``records/verify/<env>-<UTC time>.json``) is measured evidence: each check of
``sigen.compile.verification`` with what was expected and what was observed, when, and against
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

from sigen.compile.verification import rows
from sigen.operate.playbook import RunResult, ansible_playbook
from sigen.operate.records import write_record
from sigen.plan import Environment, Plan
from sigen.plan.evidence import VERIFY_FORMAT, VERIFY_RUNS

__all__ = ["run_verify"]



def _record(plan: Plan, env: Environment, outcomes: dict[str, list[dict[str, Any]]],
            started: datetime.datetime, run: RunResult) -> dict[str, Any]:
    return {
        "format": VERIFY_FORMAT,
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
    path = write_record(out, VERIFY_RUNS, f"{env_name}-{started.strftime('%Y%m%dT%H%M%SZ')}",
                        record)
    return record, path
