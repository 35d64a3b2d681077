"""``sigen backup``, ``sigen restore`` and ``sigen drill``: the executable backup/restore and
drill plans. Each builds first (a no-op when the project is up to date), checks the request
against the plan, then runs the generated playbook with the real ``ansible-playbook``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sigen.cli import lab as lab_cli
from sigen.operate.lab.podman import lab_error

if TYPE_CHECKING:  # the command line is parsed before a build: the pipeline loads later
    from sigen.plan import DrillStep, Plan, RestoreProcedure

__all__ = ["add_commands", "run"]



def add_commands(sub: Any) -> None:
    from sigen.cli.help import describe

    after = "Options after -- go to ansible-playbook, e.g. `-- --ask-vault-pass`."
    failed = {1: "the blueprint is invalid, the environment, policy, service, host or drill "
                 "does not exist (nothing written or run), or the run failed"}
    backup = sub.add_parser("backup", **describe(
        "backup", "back up now (backup.yml), then restic check",
        examples=["sigen backup blueprints/eshop.yml --env lab",
                  "sigen backup blueprints/eshop.yml --env production --policy BAK-002 "
                  "-- --ask-vault-pass"],
        codes={0: "every policy backed up and its repository checked", **failed},
        details=after))
    backup.set_defaults(ansible_args=[])
    lab_cli.common_options(backup)
    backup.add_argument("--env", required=True, metavar="ENV", help="lab or production")
    backup.add_argument("--policy", default="", metavar="IDS",
                        help="only these policies, e.g. BAK-002 (IDs or names)")
    lab_cli.run_options(backup)
    restore = sub.add_parser("restore", **describe(
        "restore", "restore a service from its backups (restore.yml)",
        examples=["sigen restore blueprints/eshop.yml --env lab --service database",
                  "sigen restore blueprints/eshop.yml --env lab --service database --to db02 "
                  "--replace"],
        codes={0: "restored", **failed}, details=after))
    restore.set_defaults(ansible_args=[])
    lab_cli.common_options(restore)
    restore.add_argument("--env", required=True, metavar="ENV", help="lab or production")
    restore.add_argument("--service", required=True, metavar="NAME",
                         help="the service to restore (or the RST- ID)")
    restore.add_argument("--to", default="", metavar="HOST",
                         help="restore onto this host instead of the service's own")
    restore.add_argument("--from", dest="from_host", default="", metavar="HOST",
                         help="whose snapshots to restore (default: the host restored, or "
                         "the service's first host with --to)")
    restore.add_argument("--snapshot", default="latest", metavar="ID",
                         help="restic snapshot ID (default: latest)")
    restore.add_argument("--replace", action="store_true",
                         help="move a database that holds data aside and restore a new one; "
                         "promote a streaming standby")
    lab_cli.run_options(restore)
    drill = sub.add_parser("drill", **describe(
        "drill", "run a drill end to end on the lab: record, inject the failure, recover, "
        "verify, measure RTO and RPO",
        examples=["sigen drill blueprints/eshop.yml DRL-001"],
        codes={0: "the drill passed: recovered within its RTO and RPO",
               1: "the drill failed, or the blueprint, the drill or the lab is not as "
                  "needed (nothing run)"}))
    lab_cli.common_options(drill)
    drill.add_argument("drill", metavar="DRILL", help="the drill's DRL- ID or name")
    drill.add_argument("--env", default="lab", metavar="ENV",
                       help="only lab: a drill destroys hosts and data")
    lab_cli.run_options(drill)


def _request(args: argparse.Namespace, plan: Plan) -> Any:
    """What the command asks for, checked against the plan (before anything is written):
    the backup jobs, the restore procedure with its variables, or the drill step."""
    lab_cli.check_env(plan, args.env)
    if args.command == "backup":
        return _backup_jobs(args, plan)
    if args.command == "restore":
        proc = _procedure(plan, args.service)
        return proc, _restore_vars(plan, args, proc)
    from sigen.operate.lab import control

    step = _drill_step(plan, args.drill)
    down = [s.host for s in control.status(plan) if s.host and s.state != "running"]
    if down:
        raise lab_error(f"the lab is not up (not running: {', '.join(down)}; an earlier "
                        "host-loss drill leaves its hosts gone): run sigen lab up and sigen "
                        "deploy first", "SG951")
    return step


def run(args: argparse.Namespace, roles_dir: Path) -> int:
    if args.command == "drill" and args.env != "lab":
        raise lab_error(f"drills run only on the lab (--env lab), not on {args.env!r}: they "
                        "remove hosts and destroy data. In production follow the procedure "
                        "of the disaster-drill plan step by step", "SG954")
    asked: list[Any] = []
    plan = lab_cli.build_for(args, roles_dir, lambda plan: asked.append(_request(args, plan)))
    if args.env == "lab":
        lab_cli.refresh_lab_secrets(plan, lab_cli.out_dir(args))
    hosts = len(plan.blueprint.hosts)
    if args.command == "backup":
        jobs = asked[-1]
        with lab_cli.reporting(args, {j.id: len(j.policy.hosts) for j in jobs}, hosts):
            code, fields = _backup(args, plan, jobs)
    elif args.command == "restore":
        proc, extra = asked[-1]
        with lab_cli.reporting(args, {proc.id: len(proc.hosts)}, hosts):
            code, fields = _restore(args, proc, extra)
    else:
        with lab_cli.reporting(args, {}, hosts):
            code, fields = _drill(args, plan, asked[-1], roles_dir)
    if args.format == "json":
        from sigen.cli.results import emit

        return emit(args.command, code, fields)
    return code


def _run(args: argparse.Namespace, playbook: str, tags: list[str], extra: dict[str, Any],
         what: str, success: str) -> tuple[int, dict[str, Any]]:
    """Run the playbook, list each failed task with its reason, and say how it ended."""
    from sigen.operate.playbook import ansible_playbook, failures

    run = ansible_playbook(lab_cli.out_dir(args), args.env, playbook, tags=tags,
                           extra_vars=[json.dumps(extra)] if extra else [],
                           extra_args=args.ansible_args)
    found = failures(run.output)
    for failure in found:
        print(f"  FAILED   {failure}")
    verdict = success if run.returncode == 0 else \
        f"FAILED (ansible-playbook exit {run.returncode})"
    print(f"sigen: {what} on {args.env} {verdict} in {run.seconds:.1f} s")
    return (0 if run.returncode == 0 else 1), run_result(run)


def run_result(run: Any) -> dict[str, Any]:
    """How an ansible-playbook run ended, as the JSON results give it."""
    from sigen.operate.playbook import failures, recap

    return {"ansible_exit": run.returncode, "seconds": round(run.seconds, 1),
            "hosts": recap(run.output), "failures": failures(run.output)}


def _request_error(what: str) -> Exception:
    return lab_error(what, "SG953")


def _backup_jobs(args: argparse.Namespace, plan: Plan) -> list[Any]:
    wanted = [t.strip() for t in args.policy.split(",") if t.strip()]
    known = {b.id: b for b in plan.backups} | {b.policy.name: b for b in plan.backups}
    unknown = [w for w in wanted if w not in known]
    if unknown or not plan.backups:
        have = ", ".join(f"{b.id} ({b.policy.name})" for b in plan.backups) or "none"
        raise _request_error(f"no backup policy {', '.join(unknown) or ''} in the blueprint "
                             f"(it has: {have})")
    return [known[w] for w in wanted] or list(plan.backups)


def _backup(args: argparse.Namespace, plan: Plan, steps: list[Any]
            ) -> tuple[int, dict[str, Any]]:
    print(f"sigen: backing up {plan.blueprint.name} on {args.env}: "
          + ", ".join(f"{b.id} {b.policy.name}" for b in steps), flush=True)
    # One run per policy: a policy whose hosts are all down would end a single run (no
    # hosts left), and the policies after it would neither run nor be reported.
    outcomes = [(job, _backup_one(args, job)) for job in steps]
    print("sigen: backup results:")
    for job, outcome in outcomes:
        print(f"  {job.id} {job.policy.name}: {outcome}")
    bad = [job.id for job, outcome in outcomes if outcome != "done, restic check passed"]
    verdict = "done, restic check passed" if not bad else f"FAILED ({', '.join(bad)})"
    print(f"sigen: backup on {args.env} {verdict}")
    return (1 if bad else 0), backup_result(args.env, outcomes)


def backup_result(env: str, outcomes: list[tuple[Any, str]]) -> dict[str, Any]:
    """The fields of ``backup --format json`` (docs/cli.md): each policy's outcome."""
    return {"env": env, "policies": [
        {"id": job.id, "name": job.policy.name, "outcome": outcome,
         "ok": outcome == "done, restic check passed"} for job, outcome in outcomes]}


def _backup_one(args: argparse.Namespace, job: Any) -> str:
    """done, failed or not run (its hosts unreachable), for one backup policy."""
    from sigen.operate.playbook import ansible_playbook, failures, recap

    run = ansible_playbook(lab_cli.out_dir(args), args.env, "backup.yml", tags=[job.id],
                           extra_args=args.ansible_args)
    for failure in failures(run.output):
        print(f"  FAILED   {failure}")
    if run.returncode == 0:
        return "done, restic check passed"
    hosts = {h.name for h in job.policy.hosts}
    counts = {host: c for host, c in recap(run.output).items() if host in hosts}
    if counts and all(c["unreachable"] and not c["ok"] for c in counts.values()):
        return f"NOT RUN: {', '.join(sorted(counts))} unreachable"
    return f"FAILED (ansible-playbook exit {run.returncode})"


def _procedure(plan: Plan, name: str) -> RestoreProcedure:
    for proc in plan.restores:
        if proc.id == name or (proc.service is not None and proc.service.name == name):
            return proc
    have = ", ".join(f"{p.id} ({p.service.name if p.service else p.title})"
                     for p in plan.restores) or "none"
    raise _request_error(f"no restore procedure for service {name!r}: only backed-up "
                         f"services can be restored (the blueprint has: {have})")


def _restore_vars(plan: Plan, args: argparse.Namespace, proc: RestoreProcedure) -> dict[str, Any]:
    from sigen.operate.records import SNAPSHOT_ID

    hosts = {h.name for h in plan.blueprint.hosts}
    for flag, value in (("--to", args.to), ("--from", args.from_host)):
        if value and value not in hosts:
            raise _request_error(f"{flag} {value}: no such host in the blueprint")
    if args.snapshot != "latest" and not SNAPSHOT_ID.fullmatch(args.snapshot):
        raise _request_error(f"--snapshot {args.snapshot!r} is not a restic snapshot ID: give "
                             "the hexadecimal ID (at least 8 digits) that `restic snapshots` "
                             "lists, or latest")
    extra: dict[str, Any] = {"sigen_restore_snapshot": args.snapshot,
                             "sigen_restore_replace": bool(args.replace)}
    if args.to:
        for policy in proc.policies:
            admitted = [h.name for h in proc.admitted[policy.name]]
            if args.to not in admitted:
                raise _request_error(
                    f"--to {args.to}: the firewall of {policy.destination.name} admits "
                    f"restores of {policy.name} only from {', '.join(admitted)} (the policy's "
                    f"hosts and the recovery hosts of its drills); restore onto one of them, "
                    f"or add a drill with recover_on: {args.to} to the blueprint")
        extra["sigen_restore_to"] = args.to
        extra["sigen_restore_from"] = args.from_host or proc.hosts[0].name
    elif args.from_host:
        extra["sigen_restore_from"] = args.from_host
    return extra


def _restore(args: argparse.Namespace, proc: RestoreProcedure, extra: dict[str, Any]
             ) -> tuple[int, dict[str, Any]]:
    onto = extra.get("sigen_restore_to") or ", ".join(h.name for h in proc.hosts)
    print(f"sigen: {proc.id} restoring {proc.title} onto {onto} from snapshot "
          f"{args.snapshot}" + (" (replacing existing data)" if args.replace else ""),
          flush=True)
    code, fields = _run(args, "restore.yml", [proc.id], extra, f"restore {proc.id}", "done")
    return code, restore_result(args.env, proc.id, onto, args.snapshot, bool(args.replace),
                                fields)


def restore_result(env: str, procedure: str, onto: str, snapshot: str, replace: bool,
                   run: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``restore --format json`` (docs/cli.md); ``run`` as ``_run`` gives."""
    return {"env": env, "procedure": procedure, "onto": onto, "snapshot": snapshot,
            "replace": replace, **run}


def _drill_step(plan: Plan, name: str) -> DrillStep:
    for step in plan.drills:
        if name in (step.id, step.drill.name):
            return step
    have = ", ".join(f"{d.id} ({d.drill.name})" for d in plan.drills) or "none"
    raise _request_error(f"no drill {name!r} in the blueprint (it has: {have})")


def drill_result(step: DrillStep, record: dict[str, Any], path: Path) -> dict[str, Any]:
    """The fields of ``drill --format json`` (docs/cli.md), from the drill's record."""
    achieved = record["achieved"]
    return {"drill": step.id, "name": step.drill.name, "passed": bool(record["passed"]),
            "rto_seconds": achieved["rto_seconds"], "rpo_seconds": achieved["rpo_seconds"],
            "rto_target": step.drill.success_rto, "rpo_target": step.drill.success_rpo,
            "rows_lost": record["rows_lost"], "timeline": record["timeline"],
            "reasons": record["reasons"], "record": str(path)}


def _drill(args: argparse.Namespace, plan: Plan, step: DrillStep, roles_dir: Path
           ) -> tuple[int, dict[str, Any]]:
    from sigen.build import build
    from sigen.operate.drill import run_drill

    out = lab_cli.out_dir(args)
    record, path = run_drill(plan, out, step)
    build(args.blueprint, out, roles_dir)  # the drill report and the plan's history
    achieved = record["achieved"]
    rto = achieved["rto_seconds"]
    rpo = achieved["rpo_seconds"]
    for phase in record["timeline"]:
        mark = "ok" if phase["ok"] else "FAILED"
        print(f"  {phase['phase']:<8} {mark:<6} at +{phase['at']:.1f} s, {phase['seconds']:.1f} s:"
              f" {phase['detail']}")
    for reason in record["reasons"]:
        print(f"  FAILED   {reason}")
    verdict = "PASSED" if record["passed"] else "FAILED"
    print(f"sigen: drill {step.id} {step.drill.name} {verdict}: RTO "
          f"{'-' if rto is None else f'{rto:.0f} s'} (target {step.drill.success_rto}), RPO "
          f"{'-' if rpo is None else f'{rpo:.0f} s'} (target {step.drill.success_rpo}), "
          f"{record['rows_lost']} rows lost; record {path}; report "
          f"{out}/docs/<language>/drill-reports/{path.stem}.md")
    return (0 if record["passed"] else 1), drill_result(step, record, path)
