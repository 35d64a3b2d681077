"""``sigen drill``: run one drill end to end on the lab and keep what it measured.

1. prepare: canary data, a fresh backup and ``restic check``, the state that must survive
   (drill.yml ``DRL-nnn-prepare``);
2. inject: host and site loss remove the lab containers at once; data corruption runs the
   drill's inject play (drop the tables, delete the files);
3. recover: the snapshots the prepare phase took are restored on the recovery host, an
   installed host that is not lost (validation, SG605) (``DRL-nnn-recover``);
4. verify: the service answers, holds the recorded data, and its dependants reach it
   (``DRL-nnn-verify``).

Achieved RTO is failure injected -> verified; achieved RPO is failure -> time of the
restored snapshot. The record (``records/drills/<DRL>-<UTC time>.json``) holds the timeline
of every phase and the verdict with its reasons; the build renders the report from it. A
failed phase ends the drill early but the record is always written. Nothing is injected
when the prepare phase fails: without a good backup the drill would only destroy data.
"""

from __future__ import annotations

import datetime
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from sigen.diagnostics import SigenError
from sigen.operate.lab import control
from sigen.operate.playbook import RunResult, ansible_playbook, failures
from sigen.operate.records import SNAPSHOT_ID, write_record
from sigen.operate.verdict import compare_state, parse_time, reasons
from sigen.plan import DrillStep, Plan, parse_duration
from sigen.plan.evidence import DRILL_FORMAT, DRILL_RUNS

__all__ = ["run_drill"]


def _utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _iso(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Drill:
    """One run: its phases as they happen, and what their plays wrote."""

    def __init__(self, plan: Plan, out: Path, step: DrillStep, folder: Path) -> None:
        self.plan, self.out, self.step, self.folder = plan, out, step, folder
        self.started = _utc().replace(microsecond=0)
        self.clock = time.monotonic()
        self.run_id = f"{step.id}-{self.started.strftime('%Y%m%dT%H%M%SZ')}"
        self.timeline: list[dict[str, Any]] = []

    def phase(self, name: str, ok: bool, began: float, detail: str,
              found: list[str] | None = None) -> bool:
        self.timeline.append({
            "phase": name, "at": round(began - self.clock, 1),
            "seconds": round(time.monotonic() - began, 1), "ok": ok, "detail": detail,
            "failures": found or [],
        })
        return ok

    def play(self, phase: str, detail: str) -> bool:
        began = time.monotonic()
        print(f"sigen: drill {self.step.id} phase {phase}: {detail}", flush=True)
        run: RunResult = ansible_playbook(
            self.out, "lab", "drill.yml", tags=[f"{self.step.id}-{phase}"],
            extra_vars=[json.dumps({"sigen_drill_output": str(self.folder),
                                    "sigen_drill_run": self.run_id,
                                    "sigen_drill_snapshots": self.snapshots()})])
        return self.phase(phase, run.returncode == 0, began, detail, failures(run.output))

    def snapshots(self) -> dict[str, str]:
        """The snapshot the prepare phase took, per policy (restic IDs only: these go to
        Ansible as extra variables)."""
        taken: dict[str, str] = {}
        for by_policy in self.found("prepare").values():
            for policy, found in (by_policy or {}).items():
                snapshot = str(((found or {}).get("snapshot") or {}).get("id") or "")
                if SNAPSHOT_ID.fullmatch(snapshot):
                    taken[str(policy)] = snapshot
        return taken

    def found(self, name: str) -> dict[str, Any]:
        try:
            data = json.loads((self.folder / f"{name}.json").read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def _inject(drill: _Drill) -> bool:
    step = drill.step
    if step.drill.scenario == "data-corruption":
        return drill.play("inject", "damage the data: drop the tables, delete the files")
    began = time.monotonic()
    lost = [h.name for h in step.lost_hosts]
    detail = f"{step.drill.scenario}: removed the lab containers of {', '.join(lost)} at once"
    try:
        gone = control.lose_hosts(drill.plan, lost)
    except SigenError as exc:
        return drill.phase("inject", False, began, detail, [str(d.message) for d in
                                                            exc.diagnostics])
    return drill.phase("inject", bool(gone), began, f"{detail} ({len(gone)} removed)",
                       [] if gone else ["no lab container of these hosts was running"])


def _evaluate(drill: _Drill, failed_at: datetime.datetime | None,
              rto: float | None) -> dict[str, Any]:
    step, dr = drill.step, drill.step.drill
    prepared, recovered = drill.found("prepare"), drill.found("recover")
    verified, reached = drill.found("verify"), drill.found("dependants")
    data: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    snapshots: dict[str, Any] = {}
    rpo: float | None = None
    for policy in step.policies:
        source, target = step.source_host(policy), step.recovery_host(policy)
        before = (prepared.get(source.name) or {}).get(policy.name) or {}
        restored = ((recovered.get(target.name) or {}).get(policy.name) or {}).get("snapshot")
        after = (verified.get(target.name) or {}).get(policy.name) or {}
        snapshots[policy.name] = {"backed_up": before.get("snapshot"), "restored": restored}
        if failed_at is not None and after:
            data += compare_state(policy.name, before.get("state") or {},
                                  after.get("state") or {})
            for answer in after.get("answers") or ():
                answers.append({**answer, "host": target.name,
                                "service": policy.service.name if policy.service else ""})
        taken = parse_time(str(restored.get("time"))) if isinstance(restored, dict) else None
        if failed_at is not None and taken is not None:
            age = (failed_at - taken).total_seconds()
            rpo = age if rpo is None else max(rpo, age)
    dependants = [{**d, "host": host} for host, found in sorted(reached.items())
                  for d in (found if isinstance(found, list) else ())]
    rto_target = int(parse_duration(dr.success_rto).total_seconds())
    rpo_target = int(parse_duration(dr.success_rpo).total_seconds())
    why = reasons(phases=drill.timeline, data=data, answers=answers, dependants=dependants,
                  rto=rto, rto_target=rto_target, rto_text=dr.success_rto,
                  rpo=rpo, rpo_target=rpo_target, rpo_text=dr.success_rpo)
    return {
        "snapshots": snapshots, "data": data, "answers": answers, "dependants": dependants,
        "achieved": {"rto_seconds": None if rto is None else round(rto, 1),
                     "rpo_seconds": None if rpo is None else round(rpo, 1)},
        "rows_lost": sum(r["rows_lost"] for r in data),
        "passed": not why, "reasons": why,
    }


def _record(drill: _Drill, failed_at: datetime.datetime | None,
            verdict: dict[str, Any]) -> dict[str, Any]:
    step, dr, bp = drill.step, drill.step.drill, drill.plan.blueprint
    return {
        "format": DRILL_FORMAT,
        "system": bp.name,
        "blueprint": bp.sha256,
        "environment": "lab",
        "run": drill.run_id,
        "started": _iso(drill.started),
        "failed_at": _iso(failed_at) if failed_at else None,
        "drill": {
            "id": step.id, "name": dr.name, "scenario": dr.scenario,
            "target": dr.target.name, "recover_on": dr.recover_on.name,
            "lost": [h.name for h in step.lost_hosts],
            "recovery": [step.recovery_host(p).name for p in step.policies],
            "policies": [p.name for p in step.policies],
            "participants": list(dr.participants),
            "rto": dr.success_rto, "rpo": dr.success_rpo,
            "rto_seconds": int(parse_duration(dr.success_rto).total_seconds()),
            "rpo_seconds": int(parse_duration(dr.success_rpo).total_seconds()),
        },
        # What the run depended on: a later plan compares it with the system then.
        "facts": step.facts,
        "timeline": drill.timeline,
        **verdict,
    }


def run_drill(plan: Plan, out: Path, step: DrillStep) -> tuple[dict[str, Any], Path]:
    """Run ``step`` on the lab of the project ``out``; the record written and its path."""
    with tempfile.TemporaryDirectory(prefix="sigen-drill-") as tmp:
        drill = _Drill(plan, out, step, Path(tmp))
        failed_at: datetime.datetime | None = None
        rto: float | None = None
        if drill.play("prepare", "canary data, a fresh backup and restic check, record "
                      "the state that must survive"):
            failed_at, failed_clock = _utc(), time.monotonic()
            _inject(drill)
            onto = ", ".join(dict.fromkeys(step.recovery_host(p).name for p in step.policies))
            recovered = drill.play("recover", f"restore the snapshots prepare took on {onto}")
            if recovered and drill.play("verify", "the service answers, holds the recorded "
                                        "data, and its dependants reach it"):
                rto = time.monotonic() - failed_clock
        verdict = _evaluate(drill, failed_at, rto)
    record = _record(drill, failed_at, verdict)
    return record, write_record(out, DRILL_RUNS, drill.run_id, record)
