"""``sigen lab up|status|down``, ``sigen deploy`` and ``sigen verify``: print what they did.

The project goes to ``--out`` (default ``build/<blueprint name>``), the lab's own files
beside it (``<out>.lab/``). deploy and verify build first (nothing is written when the
project is up to date), so what runs is always what the blueprint says now.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "build_for", "common_options", "out_dir", "refresh_lab_secrets",
           "run"]

COMMANDS = ("lab", "deploy", "verify")


def add_commands(sub: Any) -> None:
    lab = sub.add_parser("lab", help="lab hosts (podman containers reached over SSH) for a "
                         "blueprint")
    lab_sub = lab.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    for name, text in (("up", "create or update the lab to match the blueprint"),
                       ("status", "show each lab host and whether it answers on SSH"),
                       ("down", "remove everything lab up made")):
        common_options(lab_sub.add_parser(name, help=text))
    deploy = sub.add_parser("deploy", help="build, then run site.yml against an environment",
                            epilog="Options after -- go to ansible-playbook, e.g. "
                            "`-- --limit db01 --ask-vault-pass`.")
    common_options(deploy)
    deploy.add_argument("--env", required=True, metavar="ENV", help="lab or production")
    deploy.add_argument("--tags", default="", metavar="IDS",
                        help="only these steps, e.g. INS-003,INS-005")
    deploy.add_argument("--check", action="store_true", help="dry run (ansible --check)")
    # What follows `--` goes to ansible-playbook (sigen.cli splits it off: argparse cannot
    # take option-like words as positional values).
    deploy.set_defaults(ansible_args=[])
    verify = sub.add_parser("verify", help="build, run verify.yml, record the results and "
                            "render the test report")
    common_options(verify)
    verify.add_argument("--env", required=True, metavar="ENV", help="lab or production")


def common_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
    cmd.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="the generated project (default: build/<blueprint name>)")
    cmd.add_argument("--roles", type=Path, default=None, metavar="DIR",
                     help="role library (default: the repository's roles/)")


def out_dir(args: argparse.Namespace) -> Path:
    out: Path = args.out if args.out is not None else Path("build") / args.blueprint.stem
    return out


def _plan(blueprint: Path, roles_dir: Path) -> Any:
    from sigen.build import plan_for
    from sigen.compile.loader import load_blueprint

    return plan_for(load_blueprint(blueprint), roles_dir)


def build_for(args: argparse.Namespace, roles_dir: Path) -> Any:
    from sigen.build import build

    result = build(args.blueprint, out_dir(args), roles_dir)
    if result.plan is None:
        return _plan(args.blueprint, roles_dir)
    print(f"sigen: built {args.blueprint} into {out_dir(args)} ({len(result.write.created)} "
          f"created, {len(result.write.changed)} changed)")
    return result.plan


def run(args: argparse.Namespace, roles_dir: Path) -> int:
    if args.command == "lab":
        return _lab(args, roles_dir)
    plan = build_for(args, roles_dir)
    if args.env not in {e.name for e in plan.blueprint.environments}:
        names = ", ".join(e.name for e in plan.blueprint.environments)
        print(f"sigen: the blueprint has no environment {args.env!r} (it has: {names})")
        return 2
    if args.env == "lab":
        refresh_lab_secrets(plan, out_dir(args))
    if args.command == "deploy":
        return _deploy(args, plan)
    return _verify(args, plan, roles_dir)


def refresh_lab_secrets(plan: Any, out: Path) -> None:
    """A secret the blueprint gained since lab up gets its lab value (existing ones stay)."""
    from sigen.operate.lab import files

    lab = files.lab_dir(out)
    if (lab / "vault-password").exists():
        files.write_secrets(lab, plan.vault_variables)


def _lab(args: argparse.Namespace, roles_dir: Path) -> int:
    from sigen.operate.lab import control

    plan = _plan(args.blueprint, roles_dir)
    out = out_dir(args)
    if args.lab_command == "status":
        rows = control.status(plan)
        print(f"{'host':<16} {'container':<32} {'state':<10} {'ssh':<4} address")
        for row in rows:
            ssh = "yes" if row.ssh else "-"
            print(f"{row.host:<16} {row.container:<32} {row.state:<10} {ssh:<4} {row.address}")
        return 0 if all(r.state == "running" for r in rows) else 1
    if args.lab_command == "down":
        changes = control.down(plan.blueprint.name, out)
        for item in changes.removed:
            print(f"  removed  {item}")
        print(f"sigen: lab of {plan.blueprint.name} is down ({len(changes.removed)} removed)")
        return 0
    changes = control.up(plan, out)
    for label, items in (("created", changes.created), ("removed", changes.removed),
                         ("started", changes.started)):
        for item in items:
            print(f"  {label:<8} {item}")
    done = "no change" if not (changes.created or changes.removed or changes.started) \
        else "updated"
    print(f"sigen: lab of {plan.blueprint.name} is up ({done}, {changes.seconds:.1f} s); "
          f"inventory {changes.lab / 'hosts.yml'} with {out}/inventories/lab")
    return 0


def _deploy(args: argparse.Namespace, plan: Any) -> int:
    from sigen.operate.playbook import ansible_playbook

    tags = [t.strip() for t in args.tags.split(",") if t.strip()]
    steps = [s for s in plan.install if not tags or s.id in tags]
    print(f"sigen: deploying {plan.blueprint.name} to {args.env}: "
          f"{len(steps)} install steps ({', '.join(s.id for s in steps)})"
          + (" in check mode" if args.check else ""), flush=True)
    run = ansible_playbook(out_dir(args), args.env, "site.yml", tags=tags, check=args.check,
                           extra_args=args.ansible_args)
    verdict = "done" if run.returncode == 0 else f"FAILED (ansible-playbook exit " \
        f"{run.returncode})"
    print(f"sigen: deploy to {args.env} {verdict} in {run.seconds:.1f} s")
    return 0 if run.returncode == 0 else 1


def _verify(args: argparse.Namespace, plan: Any, roles_dir: Path) -> int:
    from sigen.build import build
    from sigen.operate.verify import run_verify

    out = out_dir(args)
    record, path = run_verify(plan, out, args.env)
    rows = record["checks"]
    failed = [r for r in rows if r["passed"] is False]
    unrun = [r for r in rows if r["passed"] is None]
    for row in failed:
        print(f"  FAILED   {row['id']} on {row['host']} ({row['kind']} {row['subject']}): "
              f"{row['observed']}")
    for row in unrun:
        print(f"  NOT RUN  {row['id']} on {row['host']} ({row['kind']} {row['subject']})")
    build(args.blueprint, out, roles_dir)  # the test report and checklist show this run
    passed = len(rows) - len(failed) - len(unrun)
    print(f"sigen: verify on {args.env}: {passed} of {len(rows)} checks passed, "
          f"{len(failed)} failed, {len(unrun)} not run ({record['seconds']} s); "
          f"record {path}; report {out}/docs/<language>/test-report.md")
    return 0 if not failed and not unrun else 1
