"""``sigen lab up|status|down``, ``sigen deploy``, ``sigen verify`` and ``sigen inventory``:
print what they did.

The project goes to ``--out`` (default ``build/<blueprint name>``), the lab's own files
beside it (``<out>.lab/``). deploy, verify and inventory build first (nothing is written when the
project is up to date), so what runs is always what the blueprint says now; every argument
is checked against the blueprint's plan before that build writes anything.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "build_for", "check_env", "common_options", "out_dir",
           "refresh_lab_secrets", "reporting", "run", "run_options"]

COMMANDS = ("lab", "deploy", "patch", "verify", "inventory")
_RUN_CODES = {1: "the blueprint is invalid, the environment or a requested step does not "
                 "exist (nothing written or run), or the run failed"}


def add_commands(sub: Any) -> None:
    from sigen.cli.help import describe

    lab = sub.add_parser("lab", **describe(
        "lab", "lab hosts (podman containers reached over SSH) for a blueprint",
        examples=["sigen lab up blueprints/eshop.yml", "sigen lab status blueprints/eshop.yml",
                  "sigen lab down blueprints/eshop.yml"],
        codes={0: "done (status: every lab host runs)",
               1: "the blueprint is invalid, podman failed, or (status) a host is not "
                  "running"}))
    lab_sub = lab.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    for name, text in (("up", "create or update the lab to match the blueprint"),
                       ("status", "show each lab host and whether it answers on SSH"),
                       ("down", "remove everything lab up made")):
        action = lab_sub.add_parser(name, **describe(
            f"lab {name}", text, examples=[f"sigen lab {name} blueprints/eshop.yml"],
            codes={0: "done" if name != "status" else "every lab host runs",
                   1: "the blueprint is invalid or podman failed"
                   + (", or a host is not running" if name == "status" else "")}))
        common_options(action)
        action.add_argument("--format", choices=["json", "text"], default="text")
    deploy = sub.add_parser("deploy", **describe(
        "deploy", "build, then run site.yml against an environment",
        examples=["sigen deploy blueprints/eshop.yml --env lab",
                  "sigen deploy blueprints/eshop.yml --env production --tags INS-003 "
                  "-- --ask-vault-pass"],
        codes={0: "every step ran", **_RUN_CODES},
        details="Options after -- go to ansible-playbook, e.g. `-- --limit db01 "
                "--ask-vault-pass`."))
    common_options(deploy)
    deploy.add_argument("--env", required=True, metavar="ENV", help="lab or production")
    deploy.add_argument("--tags", default="", metavar="IDS",
                        help="only these steps, e.g. INS-003,INS-005")
    deploy.add_argument("--check", action="store_true", help="dry run (ansible --check)")
    run_options(deploy)
    # What follows `--` goes to ansible-playbook (sigen.cli splits it off: argparse cannot
    # take option-like words as positional values).
    deploy.set_defaults(ansible_args=[])
    patch = sub.add_parser("patch", **describe(
        "patch", "build, then run patch.yml: the rolling patch of the installation plan, "
        "batch by batch, each host out of its load balancers meanwhile",
        examples=["sigen patch blueprints/eshop.yml --env lab",
                  "sigen patch blueprints/eshop.yml --env production --tags PAT-002 "
                  "-- --ask-vault-pass"],
        codes={0: "every batch was patched and its hosts are back", **_RUN_CODES},
        details="Stops at the first failure: no later batch starts, and the host that "
                "failed stays out of its load balancers. Options after -- go to "
                "ansible-playbook, e.g. `-- --limit web01:web02`."))
    common_options(patch)
    patch.add_argument("--env", required=True, metavar="ENV", help="lab or production")
    patch.add_argument("--tags", default="", metavar="IDS",
                       help="only these batches, e.g. PAT-001,PAT-002")
    run_options(patch)
    patch.set_defaults(ansible_args=[], check=False)
    verify = sub.add_parser("verify", **describe(
        "verify", "build, run verify.yml, record the results and render the test report",
        examples=["sigen verify blueprints/eshop.yml --env lab"],
        codes={0: "every check passed", **_RUN_CODES}))
    common_options(verify)
    verify.add_argument("--env", required=True, metavar="ENV", help="lab or production")
    run_options(verify)
    inventory = sub.add_parser("inventory", **describe(
        "inventory", "build, gather what the hosts run (inventory.yml), record it and "
        "render the system inventory; --check: fail on drift from the blueprint",
        examples=["sigen inventory blueprints/eshop.yml --env lab",
                  "sigen inventory blueprints/eshop.yml --env production --check"],
        codes={0: "the inventory was recorded (--check: and no host contradicts the "
                  "blueprint)",
               1: "the blueprint is invalid or the environment does not exist (nothing "
                  "written or run), the run failed, or (--check) a host contradicts the "
                  "blueprint: each finding is printed on one line"},
        details="Drift is what the blueprint states and a host contradicts: OS release, "
                "addresses, a package or a service of its roles missing or not running, "
                "a port listening beyond the loopback that no planned port or flow "
                "explains, and (not in the podman lab, whose containers see the machine's) "
                "fewer processors or less memory than planned."))
    common_options(inventory)
    inventory.add_argument("--env", required=True, metavar="ENV", help="lab or production")
    inventory.add_argument("--check", action="store_true",
                           help="exit 1 when a host contradicts the blueprint")
    run_options(inventory)


def common_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
    cmd.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="the generated project (default: build/<blueprint name>)")
    cmd.add_argument("--roles", type=Path, default=None, metavar="DIR",
                     help="role library (default: the one sigen ships; in a checkout, its "
                     "roles/)")


def run_options(cmd: argparse.ArgumentParser) -> None:
    """--format, --quiet and --verbose of the commands that run playbooks."""
    cmd.add_argument("--format", choices=["json", "text"], default="text",
                     help="json: the result as one JSON object on stdout (docs/cli.md); "
                     "progress goes to stderr")
    cmd.add_argument("-q", "--quiet", action="store_true", help="no progress")
    cmd.add_argument("-v", "--verbose", action="store_true",
                     help="show Ansible's own output too")


def out_dir(args: argparse.Namespace) -> Path:
    out: Path = args.out if args.out is not None else Path("build") / args.blueprint.stem
    return out


def _plan(blueprint: Path, roles_dir: Path) -> Any:
    from sigen.build import plan_for
    from sigen.compile.loader import load_blueprint

    return plan_for(load_blueprint(blueprint), roles_dir)


def check_env(plan: Any, env: str) -> None:
    """SG951 unless the blueprint has the environment ``env``."""
    from sigen.operate.lab.podman import lab_error

    if env not in {e.name for e in plan.blueprint.environments}:
        names = ", ".join(e.name for e in plan.blueprint.environments)
        raise lab_error(f"the blueprint has no environment {env!r} (it has: {names})",
                        "SG951")


def build_for(args: argparse.Namespace, roles_dir: Path,
              check: Callable[[Any], None] = lambda plan: None) -> Any:
    """Build the project; ``check(plan)`` (the command's arguments against the plan) runs
    before anything is written, and refuses by raising."""
    from sigen.build import build

    result = build(args.blueprint, out_dir(args), roles_dir, before_write=check)
    if result.plan is None:
        plan = _plan(args.blueprint, roles_dir)
        check(plan)
        return plan
    # With --format json, standard output is the result alone.
    stream = sys.stderr if getattr(args, "format", "text") == "json" else sys.stdout
    print(f"sigen: built {args.blueprint} into {out_dir(args)} ({len(result.write.created)} "
          f"created, {len(result.write.changed)} changed)", file=stream)
    return result.plan


@contextlib.contextmanager
def reporting(args: argparse.Namespace, steps: dict[str, int], hosts: int) -> Iterator[None]:
    """Runs inside show progress as the flags say; with --format json everything but the
    result goes to standard error."""
    from sigen.operate.playbook import Display, showing
    from sigen.operate.progress import mode_for

    quiet = bool(getattr(args, "quiet", False))
    display = Display(mode_for(sys.stderr, quiet), bool(getattr(args, "verbose", False)),
                      sys.stderr, steps, hosts)
    with contextlib.ExitStack() as stack:
        if getattr(args, "format", "text") == "json":
            stack.enter_context(contextlib.redirect_stdout(sys.stderr))
        stack.enter_context(showing(display))
        yield


def run(args: argparse.Namespace, roles_dir: Path) -> int:
    if args.command == "lab":
        return _lab(args, roles_dir)
    def check(plan: Any) -> None:
        check_env(plan, args.env)
        if args.command == "patch":
            _check_batches(plan, args.tags)

    plan = build_for(args, roles_dir, check)
    if args.env == "lab":
        refresh_lab_secrets(plan, out_dir(args))
    if args.command == "deploy":
        return _deploy(args, plan)
    if args.command == "patch":
        return _patch(args, plan)
    if args.command == "inventory":
        return _inventory(args, plan, roles_dir)
    return _verify(args, plan, roles_dir)


def refresh_lab_secrets(plan: Any, out: Path) -> None:
    """A secret the blueprint gained since lab up gets its lab value (existing ones stay)."""
    from sigen.operate.lab import files

    lab = files.lab_dir(out)
    if (lab / "vault-password").exists():
        files.write_secrets(lab, plan.vault_variables)


def _lab(args: argparse.Namespace, roles_dir: Path) -> int:
    from sigen.cli.results import emit
    from sigen.operate.lab import control

    plan = _plan(args.blueprint, roles_dir)
    out = out_dir(args)
    json_out = args.format == "json"
    if args.lab_command == "status":
        rows = control.status(plan)
        code = 0 if all(r.state == "running" for r in rows) else 1
        if json_out:
            return emit("lab status", code, {"hosts": [
                {"host": r.host, "container": r.container, "state": r.state, "ssh": r.ssh,
                 "address": r.address} for r in rows]})
        print(f"{'host':<16} {'container':<32} {'state':<10} {'ssh':<4} address")
        for row in rows:
            ssh = "yes" if row.ssh else "-"
            print(f"{row.host:<16} {row.container:<32} {row.state:<10} {ssh:<4} {row.address}")
        return code
    if args.lab_command == "down":
        changes = control.down(plan.blueprint.name, out)
        if json_out:
            return emit("lab down", 0, {"system": plan.blueprint.name,
                                        "removed": list(changes.removed)})
        for item in changes.removed:
            print(f"  removed  {item}")
        print(f"sigen: lab of {plan.blueprint.name} is down ({len(changes.removed)} removed)")
        return 0
    with contextlib.redirect_stdout(sys.stderr) if json_out else contextlib.nullcontext():
        changes = control.up(plan, out)
    if json_out:
        return emit("lab up", 0, {
            "system": plan.blueprint.name, "created": list(changes.created),
            "removed": list(changes.removed), "started": list(changes.started),
            "seconds": round(changes.seconds, 1), "inventory": str(changes.lab / "hosts.yml")})
    for label, items in (("created", changes.created), ("removed", changes.removed),
                         ("started", changes.started)):
        for item in items:
            print(f"  {label:<8} {item}")
    done = "no change" if not (changes.created or changes.removed or changes.started) \
        else "updated"
    print(f"sigen: lab of {plan.blueprint.name} is up ({done}, {changes.seconds:.1f} s); "
          f"inventory {changes.lab / 'hosts.yml'} with {out}/inventories/lab")
    return 0


def deploy_result(env: str, steps: list[str], check: bool, run: Any) -> dict[str, Any]:
    """The fields of ``deploy --format json`` (docs/cli.md), from the run's output."""
    from sigen.operate.playbook import failures, recap

    return {"env": env, "steps": steps, "check_mode": check,
            "ansible_exit": run.returncode, "seconds": round(run.seconds, 1),
            "hosts": recap(run.output), "failures": failures(run.output)}


def _deploy(args: argparse.Namespace, plan: Any) -> int:
    from sigen.cli.results import emit
    from sigen.operate.playbook import ansible_playbook, failures

    tags = [t.strip() for t in args.tags.split(",") if t.strip()]
    steps = [s for s in plan.install if not tags or s.id in tags]
    with reporting(args, {s.id: len(s.hosts) for s in steps}, len(plan.blueprint.hosts)):
        print(f"sigen: deploying {plan.blueprint.name} to {args.env}: "
              f"{len(steps)} install steps ({', '.join(s.id for s in steps)})"
              + (" in check mode" if args.check else ""), flush=True)
        run = ansible_playbook(out_dir(args), args.env, "site.yml", tags=tags,
                               check=args.check, extra_args=args.ansible_args)
        for failure in failures(run.output):
            print(f"  FAILED   {failure}")
        verdict = "done" if run.returncode == 0 else f"FAILED (ansible-playbook exit " \
            f"{run.returncode})"
        print(f"sigen: deploy to {args.env} {verdict} in {run.seconds:.1f} s")
    code = 0 if run.returncode == 0 else 1
    if args.format == "json":
        return emit("deploy", code, deploy_result(args.env, [s.id for s in steps],
                                                  args.check, run))
    return code


def _check_batches(plan: Any, asked: str) -> None:
    """SG953 unless the plan has patch batches and each one --tags names."""
    from sigen.operate.lab.podman import lab_error

    known = [b.id for b in plan.patch_batches]
    if not known:
        raise lab_error("the blueprint has no patch window (security.patching), so there is "
                        "no patch.yml: add one to the blueprint", "SG953")
    unknown = [t for t in (t.strip() for t in asked.split(",")) if t and t not in known]
    if unknown:
        raise lab_error(f"--tags {','.join(unknown)}: no such patch batch (the plan has "
                        f"{', '.join(known)})", "SG953")


def _patch(args: argparse.Namespace, plan: Any) -> int:
    from sigen.cli.results import emit
    from sigen.operate.playbook import ansible_playbook, failures

    tags = [t.strip() for t in args.tags.split(",") if t.strip()]
    batches = [b for b in plan.patch_batches if not tags or b.id in tags]
    with reporting(args, {b.id: len(b.hosts) for b in batches}, len(plan.blueprint.hosts)):
        print(f"sigen: patching {plan.blueprint.name} on {args.env}: {len(batches)} batches "
              f"({', '.join(b.id for b in batches)})", flush=True)
        run = ansible_playbook(out_dir(args), args.env, "patch.yml", tags=tags,
                               extra_args=args.ansible_args)
        for failure in failures(run.output):
            print(f"  FAILED   {failure}")
        verdict = "done" if run.returncode == 0 else f"FAILED (ansible-playbook exit " \
            f"{run.returncode}; later batches did not start)"
        print(f"sigen: patch on {args.env} {verdict} in {run.seconds:.1f} s")
    code = 0 if run.returncode == 0 else 1
    if args.format == "json":
        return emit("patch", code, deploy_result(args.env, [b.id for b in batches], False,
                                                 run))
    return code


def verify_result(env: str, record: dict[str, Any], path: Path) -> dict[str, Any]:
    """The fields of ``verify --format json`` (docs/cli.md), from the run's record."""
    rows = record["checks"]
    failed = [r for r in rows if r["passed"] is False]
    unrun = [r for r in rows if r["passed"] is None]
    return {"env": env, "record": str(path), "seconds": record["seconds"],
            "checks": len(rows), "passed": len(rows) - len(failed) - len(unrun),
            "failed": [{k: r[k] for k in ("id", "host", "kind", "subject", "observed")}
                       for r in failed],
            "not_run": [{k: r[k] for k in ("id", "host", "kind", "subject")} for r in unrun]}


def _verify(args: argparse.Namespace, plan: Any, roles_dir: Path) -> int:
    from sigen.build import build
    from sigen.cli.results import emit
    from sigen.operate.verify import run_verify

    out = out_dir(args)
    hosts = len(plan.blueprint.hosts)
    with reporting(args, {}, hosts):
        record, path = run_verify(plan, out, args.env)
        fields = verify_result(args.env, record, path)
        for row in fields["failed"]:
            print(f"  FAILED   {row['id']} on {row['host']} ({row['kind']} {row['subject']}): "
                  f"{row['observed']}")
        for row in fields["not_run"]:
            print(f"  NOT RUN  {row['id']} on {row['host']} ({row['kind']} {row['subject']})")
        build(args.blueprint, out, roles_dir)  # the test report and checklist show this run
        print(f"sigen: verify on {args.env}: {fields['passed']} of {fields['checks']} checks "
              f"passed, {len(fields['failed'])} failed, {len(fields['not_run'])} not run "
              f"({record['seconds']} s); record {path}; report "
              f"{out}/docs/<language>/test-report.md")
    code = 0 if not fields["failed"] and not fields["not_run"] else 1
    return emit("verify", code, fields) if args.format == "json" else code


def inventory_result(env: str, record: dict[str, Any], found: list[Any],
                     path: Path) -> dict[str, Any]:
    """The fields of ``inventory --format json`` (docs/cli.md), from the run's record."""
    hosts = record["hosts"]
    return {"env": env, "record": str(path), "seconds": record["seconds"],
            "ansible_exit": record["ansible_exit"], "hosts": len(hosts),
            "answered": sum(1 for h in hosts.values() if h.get("answered")),
            "drift": record["drift"]}


def _inventory(args: argparse.Namespace, plan: Any, roles_dir: Path) -> int:
    from sigen.build import build
    from sigen.cli.results import emit
    from sigen.compile.inventory import describe
    from sigen.operate.inventory import run_inventory

    out = out_dir(args)
    with reporting(args, {}, len(plan.blueprint.hosts)):
        record, found, path = run_inventory(plan, out, args.env)
        fields = inventory_result(args.env, record, found, path)
        for item in found:
            print(f"  DRIFT    {describe(item)}")
        build(args.blueprint, out, roles_dir)  # the system inventory shows this run
        print(f"sigen: inventory of {args.env}: {fields['answered']} of {fields['hosts']} "
              f"hosts answered, {len(found)} finding(s) of drift ({record['seconds']} s); "
              f"record {path}; document {out}/docs/<language>/system-inventory.md")
    code = 1 if record["ansible_exit"] != 0 or (args.check and found) else 0
    return emit("inventory", code, fields) if args.format == "json" else code
