"""The plans: installation, backup/restore and disaster drill, as Markdown.

Prose lives in Jinja templates under ``sigen/templates/<language>/``; one environment with
``StrictUndefined`` renders them. Every value printed from the blueprint is escaped for
Markdown by ``finalize`` (so a ``|`` in a name cannot break a table and ``<script>`` stays
text); user text is only ever data, never template source.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from sigen.drill_records import REPORTS as DRILL_REPORTS
from sigen.memo import recalled
from sigen.model import BackupPolicy, Host, Secret
from sigen.plan import CHECK_CALENDAR, Plan, group_name
from sigen.render import reports
from sigen.revisions import Revision
from sigen.semdiff import Change
from sigen.wiring import backup as backup_wiring
from sigen.wiring import services as services_wiring

__all__ = ["DOCUMENTS", "Md", "compiled_templates_in", "describe_changes", "md_escape",
           "render", "secrets_used", "vault_variables"]

DOCUMENTS = ("installation-plan.md", "backup-restore-plan.md", "disaster-drill-plan.md")
# Rendered from the plan and the measured records (verification runs) beside it.
REPORTS = ("test-report.md", "verification-checklist.md", "lab-report.md")
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")
_NEEDS_WORK = re.compile(r"[\\`*_{}\[\]<>|#!~\n\r\t\f\v]|  |^ | $")


class Md(str):
    """Markdown the templates built themselves: printed as is."""

    __slots__ = ()

    def __repr__(self) -> str:
        # Distinct from a plain string's: sigen.memo keys sections by the repr of their
        # data, and Markdown is printed differently from the same text as a value.
        return f"Md({str.__repr__(self)})"


# The plans print the same few thousand strings (kinds, sites, zones, services) again and
# again: escaping each once made the plans of 10,000 hosts a quarter quicker.
_escaped: dict[str, str] = {}


def md_escape(value: Any) -> str:
    """Any value as inert Markdown text on one line."""
    kind = type(value)
    if kind is str:
        text = _escaped.get(value)
        if text is None:
            text = _escaped[value] = _escape(value)
        return text
    if kind is int:  # digits and a sign: nothing to escape
        return str(value)
    if isinstance(value, Md):
        return value
    if value is None:
        return ""
    return _escape(str(value))


def _escape(text: str) -> str:
    if _NEEDS_WORK.search(text) is None:
        return text
    text = " ".join(text.split())
    return _SPECIAL.sub(r"\\\1", text)


def _code(value: Any) -> Md:
    """Inline code; a ``|`` is escaped so it cannot end a table cell (GitHub tables)."""
    text = " ".join(str(value).split()).replace("`", "'").replace("|", "\\|")
    return Md(f"`{text}`")


def _duration(value: str | timedelta) -> str:
    """``24h`` -> ``24 hours``; timedeltas in the largest whole unit."""
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
    else:
        from sigen.model import parse_duration

        seconds = int(parse_duration(value).total_seconds())
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _section(stamp: str, macro: Callable[..., str], *args: Any) -> Md:
    """``macro(*args)``, as Markdown; in an incremental build the text it made last time
    for equal arguments (the per-host sections of the reports, 160,000 checks at 10,000
    hosts). ``stamp`` names the macro: it must read nothing but its arguments."""
    return Md(recalled(args, stamp, lambda: str(macro(*args))))


def _minutes(total: int) -> str:
    hours, minutes = divmod(total, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The one Jinja environment (compiled templates are kept for the next render)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: escaping is finalize's job
        finalize=md_escape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["code"] = _code
    env.filters["duration"] = _duration
    env.filters["minutes"] = _minutes
    env.filters["md"] = Md
    env.globals["section"] = _section
    return env


class _BytecodeKeptLater(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache in a folder, writing what it compiled only on ``save``: a
    first build into a new folder creates nothing there until the blueprint proved valid,
    yet keeps its compiled templates for the next build."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self._folder = folder
        self._compiled: list[jinja2.bccache.Bucket] = []

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled.append(bucket)

    def save(self) -> None:
        if self._compiled:
            self._folder.mkdir(parents=True, exist_ok=True)
            for bucket in self._compiled:
                super().dump_bytecode(bucket)
            self._compiled.clear()


@contextlib.contextmanager
def compiled_templates_in(folder: Path | None) -> Iterator[Callable[[], None]]:
    """While inside, load compiled templates from ``folder`` (Jinja's bytecode cache, keyed
    by each template's source): compiling them is 0.45 s of a build. Gives the function
    that writes the templates compiled meanwhile to ``folder``, for the next build (call it
    once the build is written)."""
    environments = (_environment(), _text_environment())
    if folder is None:
        yield lambda: None
        return
    cache = _BytecodeKeptLater(folder)
    for env in environments:
        env.bytecode_cache = cache
    try:
        yield cache.save
    finally:
        for env in environments:
            env.bytecode_cache = None


@functools.lru_cache(maxsize=1)
def _text_environment() -> jinja2.Environment:
    """Plain text (no Markdown escaping) for lines shown both in a terminal and, escaped
    then, in the plans: the summaries of changes."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)), undefined=jinja2.StrictUndefined,
        autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )


def describe_changes(changes: Sequence[Change], initial: bool = False,
                     language: str = "en", limit: int | None = None) -> list[str]:
    """One line of text per change of the system (``Initial issue`` for the first one);
    with ``limit``, that many lines and one that counts the rest."""
    text = _text_environment().get_template(f"{language}/changes.txt.j2").render(
        changes=changes, initial=initial, limit=limit)
    return [line for line in text.splitlines() if line.strip()]


def _walk_secrets(value: Any) -> Iterator[Secret]:
    if isinstance(value, Mapping):
        if len(value) == 1 and ("vault" in value or "env" in value):
            kind = "vault" if "vault" in value else "env"
            yield Secret(kind, str(value[kind]))
            return
        for v in value.values():
            yield from _walk_secrets(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk_secrets(v)


def secrets_used(plan: Plan) -> list[tuple[Secret, str]]:
    """Every secret the project reads, with what needs it, in blueprint order, once each."""
    bp = plan.blueprint
    seen: dict[tuple[str, str], tuple[Secret, list[str]]] = {}
    for svc in bp.services:
        for secret in _walk_secrets(svc.settings):
            seen.setdefault((secret.kind, secret.name), (secret, []))[1].append(
                f"service {svc.name}")
    for svc in bp.services:
        if services_wiring.standbys_of(plan, svc):
            secret = services_wiring.replication_password(svc)
            seen.setdefault((secret.kind, secret.name), (secret, []))[1].append(
                f"replication of {svc.name}")
    for policy in bp.backups:
        secret = backup_wiring.password(policy)
        seen.setdefault((secret.kind, secret.name), (secret, []))[1].append(
            f"backup {policy.name}")
    return [(s, ", ".join(dict.fromkeys(users))) for s, users in seen.values()]


def vault_variables(plan: Plan) -> list[str]:
    """The names of the ansible-vault variables the project reads."""
    return [s.name for s, _ in secrets_used(plan) if s.kind == "vault"]


def _hosts_text(hosts: tuple[Host, ...], limit: int = 12) -> str:
    names = [h.name for h in hosts]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return ", ".join(names)


def _drills_for(plan: Plan, policy: BackupPolicy) -> list[str]:
    return [d.id for d in plan.drills if policy in d.policies]


def _context(plan: Plan, version: str, revisions: Sequence[Revision]) -> dict[str, Any]:
    bp = plan.blueprint
    production = next((e for e in bp.environments if e.name == "production"),
                      bp.environments[0])
    bak_of = {b.policy.name: b for b in plan.backups}
    rst_of = {p.name: r for r in plan.restores for p in r.policies}
    return {
        "bp": bp,
        "plan": plan,
        "version": version,
        "revisions": revisions,
        "env": production,
        "inventory": f"inventories/{production.name}/hosts.yml",
        "secrets": secrets_used(plan),
        "total_minutes": sum(s.minutes for s in plan.install),
        "window_minutes": (int(_td(bp.change.duration).total_seconds()) // 60
                           if bp.change else 0),
        "hosts_text": _hosts_text,
        "group_name": group_name,
        "bak_of": bak_of,
        "standbys_on": lambda hosts: [
            s for s in bp.services
            if s.settings.get("replication_role") == "standby" and set(s.hosts) & set(hosts)
        ],
        "dbs_of": lambda policies: list(dict.fromkeys(
            db for p in policies for db in backup_wiring.databases(p))),
        "check_calendar": CHECK_CALENDAR,
        "bak_ids": lambda policies: ",".join(bak_of[p.name].id for p in policies),
        "drill_folders": lambda d: list(dict.fromkeys(
            path for p in d.policies for path in backup_wiring.paths(p))),
        "drill_sources": lambda d: tuple(dict.fromkeys(d.source_host(p) for p in d.policies)),
        # Services whose hosts the verify phase connects from: not lost, not the target.
        "drill_dependants": lambda d: list(dict.fromkeys(
            user for p in d.policies if p.service is not None
            for user in plan.dependents.get(p.service.name, ())
            if set(user.hosts) - set(d.lost_hosts) - {d.recovery_host(p)})),
        "rst_of": rst_of,
        "drills_for": lambda p: _drills_for(plan, p),
        "databases": backup_wiring.databases,
        "backup_paths": backup_wiring.paths,
        "password": backup_wiring.password,
        "service_names_of": {h.name: [s.name for s in h.services] for h in bp.hosts},
        "step_of_service": {s.service.name: s for s in plan.install if s.service is not None},
        "flows_to": plan.flows,
        "max_backup_age_hours": max(
            (int(b.interval.total_seconds()) // 3600 + 2 for b in plan.backups), default=26),
    }


def _one_blank_line(text: str) -> str:
    """``text`` with runs of blank lines made one (the templates leave some where optional
    parts are left out) and one newline at the end. str.replace, not a regular
    expression: a quarter of the time over the 19 MB test report of 10,000 hosts."""
    while "\n\n\n" in text:
        text = text.replace("\n\n\n\n", "\n\n").replace("\n\n\n", "\n\n")
    return text.rstrip("\n") + "\n"


def _td(text: str) -> timedelta:
    from sigen.model import parse_duration

    return parse_duration(text)


def render(plan: Plan, version: str, language: str = "en",
           revisions: Sequence[Revision] = (),
           runs: Sequence[Mapping[str, Any]] = (),
           drills: Sequence[Mapping[str, Any]] = ()) -> dict[str, bytes]:
    """The plans of ``plan`` in ``language``, by output path (``docs/<name>``), each with
    the revision table of ``revisions``, the reports of the verification ``runs`` and one
    report per drill record in ``drills`` (records, oldest first)."""
    env = _environment()
    context = _context(plan, version, revisions)
    context.update(reports.context(plan, runs))
    context["drill_runs"] = drills
    stamp = (f"<!-- Generated by sigen {version} from blueprint sha256:"
             f"{plan.blueprint.sha256}. Do not edit: change the blueprint and run sigen build"
             " again. -->\n")
    out: dict[str, bytes] = {}
    for name in DOCUMENTS + REPORTS:
        text = env.get_template(f"{language}/{name}.j2").render(context)
        text = _one_blank_line(text)
        out[f"docs/{name}"] = (stamp + text).encode()
    report = env.get_template(f"{language}/drill-report.md.j2")
    for record in drills:
        text = report.render({**context, "r": record})
        text = _one_blank_line(text)
        out[f"{DRILL_REPORTS}/{record['name']}.md"] = (stamp + text).encode()
    return out
