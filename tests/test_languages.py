"""The documents in each language: every template exists in both, every term is in the
glossary, and the zh-TW documents are Chinese (no English sentence left over, full-width
punctuation, the cover a Taiwanese approver expects)."""

# Full-width punctuation is what this file checks for: RUF001 would flag every sample of it.
# ruff: noqa: RUF001

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigen.build import Options, render_loaded
from sigen.compile.evidence import read_evidence
from sigen.compile.loader import load_blueprint
from sigen.plan.evidence import Change
from sigen.plan.steps import FLOW_KINDS
from sigen.render import documents
from sigen.render.markdown import md_escape
from tests.conftest import REPO, ROLES

TEMPLATES = REPO / "sigen" / "templates"
GLOSSARY = TEMPLATES / "glossary.yml"
SCHEMA = REPO / "sigen" / "data" / "blueprint.schema.yml"
EXAMPLE = REPO / "examples" / "onprem-physical"  # its records: runs and drills
BLUEPRINTS = {p.stem: p for p in sorted((REPO / "blueprints").glob("*.yml"))}
HOSTILE = REPO / "tests" / "cases" / "hostile-text" / "blueprint.yml"
LANGUAGES = ("zh-TW", "en")
DATE = "2026-12-06"

# term("<prefix>" ~ value): the schema field whose allowed values complete the key.
ENUMERATIONS = {
    "criticality:": ("services", "schema", "schema", "criticality"),
    "host kind:": ("hosts", "schema", "schema", "kind"),
    "site kind:": ("sites", "schema", "schema", "kind"),
    "method:": ("backups", "schema", "schema", "method"),
    "scenario:": ("drills", "schema", "schema", "scenario"),
    "frequency:": ("drills", "schema", "schema", "frequency"),
    "day:": ("change_management", "schema", "maintenance_window", "schema", "days", "schema"),
    "reboot:": ("security", "schema", "patching", "schema", "reboot"),
    "inbound:": ("security", "schema", "firewall", "schema", "default_inbound"),
    "equipment kind:": ("racks", "schema", "schema", "equipment", "schema", "schema", "kind"),
    "change type:": ("change_management", "schema", "change_type"),
    "document:": ("documents", "schema", "per_document", "keysrules"),
}
# Keys completed by a value the plan derives (not the blueprint): every value it can take.
DERIVED = {"risk:": ("low", "medium", "high"),  # sigen.compile.change._risk
           "flow kind:": FLOW_KINDS}

# Names that Chinese documents write in English: products, protocols, Ansible's words.
ENGLISH_NAMES = (
    "node exporter", "textfile collector", "streaming standby", "dry run",
    "ansible-vault", "ansible-core", "Ansible", "restic", "PostgreSQL", "Prometheus",
    "HAProxy", "nginx", "Redis", "systemd", "chrony", "podman", "Podman", "sshd",
    "SSH", "SFTP", "TCP", "NTP", "VLAN", "CPU", "vCPU", "RAID", "iDRAC", "iLO", "VPN",
    "RTO", "RPO", "UTC", "PING", "UP", "HA", "play", "playbook", "role", "tag",
    "inventory", "collections", "chroot", "sigen", "BackupTooOld", "BackupMissing",
    "CIS Debian Linux Benchmark", "CIS Debian Linux", "Streamlined NTRU Prime", "X25519",
)

_TERM = re.compile(r"""term\(\s*(["'])(.*?)\1\s*(~)?""")
_FENCE = re.compile(r"^```.*?^```[ \t]*$", re.M | re.S)
_CODE = re.compile(r"`[^`\n]*`")
_LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
_UNESCAPE = re.compile(r"\\([\\`*_{}\[\]<>|#!~])")
_ID = re.compile(r"\b[A-Z]{3}-(?:\d{3}|nnn)(?:-[0-9A-Za-z]+)?\b")
_NUMBERISH = re.compile(r"[\w.:/+\-]*\d[\w.:/+\-]*", re.ASCII)
_PATH = re.compile(r"(?:~|\.)?/[\w.\-<>/]+", re.ASCII)
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ \-'][A-Za-z]{2,}){2,}")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ASCII_AFTER_CJK = re.compile(f"[{_CJK}][,:;.]")
_FULL_WIDTH = re.compile("[，。：；「」（）、！？]")
# A space beside full-width punctuation (not a table's cell separator).
_SPACED = re.compile("[，。：；「」（）、] (?!\\|)|(?<!\\|) [，。：；「」（）、]")


def _glossary() -> dict[Any, Any]:
    data = yaml.safe_load(GLOSSARY.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _templates(language: str) -> set[str]:
    return {p.name for p in (TEMPLATES / language).iterdir() if p.is_file()}


def _strings(value: Any) -> Iterator[str]:
    """Every key and scalar of ``value`` as text."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield str(value)


def _boundary(words: list[str]) -> re.Pattern[str] | None:
    """One pattern matching any of ``words`` (longest first) not inside a longer word."""
    words = sorted({w for w in words if w.strip()}, key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")


def english_runs(text: str, user_text: list[str]) -> list[str]:
    """The lines of a zh-TW document that keep three or more English words in a row once
    the stamp, code, link targets, user text, IDs, numbers, addresses, paths and the
    English names of products are taken out."""
    lines = text.splitlines()
    if lines and lines[0].startswith("<!--"):
        lines = lines[1:]
    body = _FENCE.sub("", "\n".join(lines))
    users = _boundary(user_text)
    names = _boundary(list(ENGLISH_NAMES))
    found = []
    for line in body.splitlines():
        rest = _UNESCAPE.sub(r"\1", _LINK_TARGET.sub("]", _CODE.sub(" ", line)))
        if users is not None:
            rest = users.sub(" ", rest)
        rest = _PATH.sub(" ", _NUMBERISH.sub(" ", _ID.sub(" ", rest)))
        if names is not None:
            rest = names.sub(" ", rest)
        if _ENGLISH_RUN.search(rest):
            found.append(f"{line}\n    left: {' '.join(rest.split())}")
    return found


def punctuation_faults(text: str, user_text: Iterable[str] = ()) -> list[str]:
    """Lines with ASCII , : ; . right after a Chinese character or a space beside
    full-width punctuation (outside code), and code spans with full-width punctuation that
    is not the blueprint's own text (a banner written in Chinese, shown as a value)."""
    users = [u for u in user_text if _FULL_WIDTH.search(u)]
    faults = []
    for line in _FENCE.sub("", text).splitlines():
        spans = _CODE.findall(line)
        prose = _CODE.sub("`code`", line)
        if _ASCII_AFTER_CJK.search(prose):
            faults.append(f"ASCII punctuation after Chinese: {line}")
        if _SPACED.search(prose):
            faults.append(f"space beside full-width punctuation: {line}")
        faults += [f"full-width punctuation in code {s}: {line}" for s in spans
                   if _FULL_WIDTH.search(s) and not any(u in s for u in users)]
    return faults


def _render(blueprint: Path, *, evidence: bool = False,
            languages: tuple[str, ...] = LANGUAGES) -> tuple[dict[str, str], list[str]]:
    """The Markdown documents of ``blueprint`` by path, and the user text they may print
    (the blueprint's data, and the records' when ``evidence``)."""
    loaded = load_blueprint(blueprint)
    found = read_evidence(EXAMPLE) if evidence else None
    rendered = render_loaded(loaded, ROLES, date=DATE, evidence=found,
                             options=Options(languages=languages))
    docs = {path: data.decode() for path, data in rendered.files.items()
            if path.startswith("docs/") and path.endswith(".md")}
    user = list(_strings(loaded.data))
    if evidence:
        for record in (EXAMPLE / "records").rglob("*.json"):
            user += _strings(json.loads(record.read_text("utf-8")))
    return docs, user


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[dict[str, str], list[str]]]:
    out = {name: _render(path) for name, path in BLUEPRINTS.items()}
    out["hostile-text"] = _render(HOSTILE)
    out["onprem-physical+records"] = _render(BLUEPRINTS["onprem-physical"], evidence=True)
    return out


def _zh(docs: dict[str, str]) -> dict[str, str]:
    return {p: t for p, t in docs.items() if p.startswith("docs/zh-TW/")}


# 1. Templates -------------------------------------------------------------------------

def test_every_template_has_a_counterpart_in_each_language() -> None:
    names = {language: _templates(language) for language in LANGUAGES}
    assert names["en"], "no English templates found"
    assert names["zh-TW"] == names["en"], {
        "only in en": sorted(names["en"] - names["zh-TW"]),
        "only in zh-TW": sorted(names["zh-TW"] - names["en"])}


def test_zh_templates_recall_their_own_sections() -> None:
    """A recalled section is stamped with the template that makes it: an English row must
    never be recalled into a Chinese document (nor the other way round)."""
    for language in LANGUAGES:
        for path in (TEMPLATES / language).glob("*.j2"):
            text = path.read_text("utf-8")
            for stamp in re.findall(r"""section\(\s*["']([^"']+)["']""", text):
                assert stamp.startswith(f"{language}/{path.name}#"), (path, stamp)
            for other in re.findall(r"""(?:import|include)\s+["']([^"']+)["']""", text):
                assert other.startswith(f"{language}/"), (path, other)


# 2. Glossary --------------------------------------------------------------------------

def test_every_glossary_entry_has_both_languages() -> None:
    for key, entry in _glossary().items():
        assert isinstance(key, str), f"{key!r}: quote it (YAML read it as {type(key)})"
        assert key == key.lower() or key.isupper(), f"{key!r}: keys are lower case"
        assert isinstance(entry, dict) and set(entry) == set(LANGUAGES), (key, entry)
        for language, words in entry.items():
            assert isinstance(words, str) and words.strip(), (key, language, words)


def test_every_term_the_templates_use_is_in_the_glossary() -> None:
    glossary = _glossary()
    schema = yaml.safe_load(SCHEMA.read_text("utf-8"))
    used: list[tuple[Path, str, bool]] = []
    for path in sorted(TEMPLATES.glob("*/*.j2")):
        used += [(path, m.group(2), bool(m.group(3)))
                 for m in _TERM.finditer(path.read_text("utf-8"))]
    assert used, "no term() call found in the templates"
    for path, key, prefix in used:
        if not prefix:
            assert key in glossary, f"{path.relative_to(REPO)}: term({key!r}) not in glossary"
            continue
        # A key completed by a value: every value the blueprint allows needs its entry.
        assert key in ENUMERATIONS or key in DERIVED, \
            f"{path.relative_to(REPO)}: term({key!r} ~ ...)"
        if key in DERIVED:
            values = DERIVED[key]
        else:
            field = schema
            for part in ENUMERATIONS[key]:
                field = field[part]
            values = field["allowed"]
        missing = [v for v in values if f"{key}{v}" not in glossary]
        assert not missing, f"{path.relative_to(REPO)}: no glossary entry {key}{missing}"


# 3. No English left in the zh-TW documents ---------------------------------------------

@pytest.mark.parametrize("case", [*BLUEPRINTS, "hostile-text", "onprem-physical+records"])
def test_zh_documents_leave_no_english_sentence(
        rendered: dict[str, tuple[dict[str, str], list[str]]], case: str) -> None:
    docs, user = rendered[case]
    zh = _zh(docs)
    assert len(zh) >= 6, sorted(docs)
    if case.endswith("+records"):
        assert any("/drill-reports/" in p for p in zh), sorted(zh)
    leaks = {p: english_runs(t, user) for p, t in zh.items()}
    leaks = {p: lines for p, lines in leaks.items() if lines}
    assert not leaks, "English left in zh-TW documents:\n" + "\n".join(
        f"{p}:\n  " + "\n  ".join(lines) for p, lines in leaks.items())


def test_the_leak_check_finds_english_text() -> None:
    text = ("<!-- stamp in English words here -->\n# 標題\n\n"
            "本段說明。The backup runs every night.\n")
    assert english_runs(text, [])
    assert not english_runs(text.replace("The backup runs every night.", "`the backup runs`"),
                            [])
    assert not english_runs("主機 E-Shop order platform 的說明", ["E-Shop order platform"])
    assert english_runs("使用 Prometheus node exporter and more words", [])


@pytest.fixture
def template_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the templates that the renderer reads instead of sigen's own."""
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    monkeypatch.setattr(documents, "_TEMPLATES", copy)
    documents._environment.cache_clear()
    documents._text_environment.cache_clear()
    try:
        yield copy
    finally:
        monkeypatch.undo()
        documents._environment.cache_clear()
        documents._text_environment.cache_clear()


def test_an_untranslated_sentence_in_a_zh_template_is_caught(template_copy: Path) -> None:
    plan = template_copy / "zh-TW" / "backup-restore-plan.md.j2"
    plan.write_text(plan.read_text("utf-8").replace(
        "## 4. 備份驗證方式", "## 4. 備份驗證方式\n\nBackups are checked every week.", 1),
        "utf-8")
    docs, user = _render(BLUEPRINTS["onprem-physical"], languages=("zh-TW",))
    leaks = english_runs(docs["docs/zh-TW/backup-restore-plan.md"], user)
    assert any("Backups are checked every week." in line for line in leaks), leaks
    assert not english_runs(docs["docs/zh-TW/installation-plan.md"], user)


# 4. Punctuation -----------------------------------------------------------------------

@pytest.mark.parametrize("case", [*BLUEPRINTS, "hostile-text", "onprem-physical+records"])
def test_zh_documents_use_full_width_punctuation(
        rendered: dict[str, tuple[dict[str, str], list[str]]], case: str) -> None:
    docs, user = rendered[case]
    faults = {p: punctuation_faults(t, user) for p, t in _zh(docs).items()}
    faults = {p: lines for p, lines in faults.items() if lines}
    assert not faults, "\n".join(f"{p}:\n  " + "\n  ".join(v) for p, v in faults.items())


def test_the_punctuation_check_finds_ascii_punctuation() -> None:
    assert punctuation_faults("主機,名稱")
    assert punctuation_faults("執行完畢.")
    assert punctuation_faults("執行 `ls（-l）`")
    assert punctuation_faults("目標（RTO） 2 小時")
    assert not punctuation_faults("主機 web01, web02：執行 `a,b;c`。")
    assert not punctuation_faults("| 限閱 | 記憶體（GB） |")
    assert not punctuation_faults("警語 `\"僅限授權，謝謝\"`", ["僅限授權，謝謝"])


# 5. The cover -------------------------------------------------------------------------

def _variant(tmp_path: Path, documents_section: str) -> Path:
    text = BLUEPRINTS["onprem-physical"].read_text("utf-8")
    assert "\ndocuments:" not in text
    path = tmp_path / "blueprint.yml"
    path.write_text(text.rstrip("\n") + "\n\ndocuments:\n" + documents_section, "utf-8")
    return path


def _cover(doc: str) -> dict[str, str]:
    """The first table of a document: its rows by their first cell."""
    rows = {}
    table = doc.split("\n| | |\n", 1)[1].split("\n\n", 1)[0]
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0]:
            rows[cells[0]] = cells[1]
    return rows


def test_zh_cover_shows_document_control(
        rendered: dict[str, tuple[dict[str, str], list[str]]]) -> None:
    doc = rendered["onprem-physical"][0]["docs/zh-TW/installation-plan.md"]
    assert doc.splitlines()[1] == "# 安裝計畫書：E-Shop order platform"
    cover = _cover(doc)
    assert cover["文件編號"] == "ESHOP-O2.2.1"
    assert cover["版次"] == "1.0"
    assert cover["機密等級"] == "限閱"
    assert cover["制定／修訂日期"] == DATE
    assert "| | 撰寫 | 審核 | 核定 |" in doc
    assert "## 修訂紀錄" in doc
    assert "| 1.0 | 2026-12-06 | Retail IT, Taipei | 初版發行 |" in doc


def test_zh_cover_in_the_roc_calendar_with_signers(tmp_path: Path) -> None:
    blueprint = _variant(tmp_path, "  calendar: roc\n  classification: confidential\n"
                         "  signatures:\n    prepared_by: Chen Wei\n"
                         "    reviewed_by: Wang Jun\n    approved_by: Lin Mei-Hua\n")
    docs, _user = _render(blueprint)
    zh = docs["docs/zh-TW/installation-plan.md"]
    cover = _cover(zh)
    assert cover["制定／修訂日期"] == "民國115年12月6日"
    assert cover["機密等級"] == "密"
    assert "| 姓名 | Chen Wei | Wang Jun | Lin Mei-Hua |" in zh
    assert "| 1.0 | 民國115年12月6日 |" in zh
    # The English documents keep ISO dates.
    assert _cover(docs["docs/en/installation-plan.md"])["Date of issue or revision"] == DATE


# Durations ---------------------------------------------------------------------------

@pytest.mark.parametrize(("call", "text"), [
    ('duration("24h")', "1 天"), ('duration("90m")', "90 分鐘"), ('duration("15m")', "15 分鐘"),
    ('duration("30s")', "30 秒"), ('duration("2w")', "2 週"), ("duration(four_hours)", "4 小時"),
    ("minutes(105)", "1 小時 45 分鐘"), ("minutes(240)", "4 小時"), ("minutes(10)", "10 分鐘"),
    ('every("1d", "01:30")', "每日 01:30"), ('every("6h")', "每 6 小時"),
    ("every(four_hours)", "每 4 小時"), ("secs(29.2)", "29 秒"), ("secs(185)", "3 分 5 秒"),
])
def test_zh_durations(call: str, text: str) -> None:
    """The zh-TW macros format durations as the en filters do, in the largest whole unit."""
    template = documents._environment().from_string(
        '{% import "zh-TW/_text.md.j2" as t with context %}{{ t.' + call + " }}")
    assert template.render(term=str, four_hours=timedelta(hours=4)) == text


# Revision lines ----------------------------------------------------------------------

def test_zh_revision_lines_say_what_changed() -> None:
    changes = [
        Change("hosts", "added", ("web03",)),
        Change("services", "changed", ("cache",), (("settings.persistence", "rdb", "aof"),
                                                   ("hosts", ["web01"], ["web02"]))),
        Change("networks", "changed", ("app",), (("vlan", None, 120),)),
        Change("drills", "removed", ("site-drill",)),
    ]
    zh = documents.describe_changes(changes, language="zh-TW")
    assert zh == ["新增主機：web03",
                  "服務 cache：設定 persistence 由 rdb 改為 aof，主機由 web01 改為 web02",
                  "網路 app：VLAN 設為 120", "移除演練：site-drill"]
    assert len(documents.describe_changes(changes, language="en")) == len(zh)
    assert documents.describe_changes([], initial=True, language="zh-TW") == ["初版發行"]
    many = [Change("hosts", "added", (f"h{i}",)) for i in range(15)]
    lines = documents.describe_changes(many, language="zh-TW", limit=12)
    assert len(lines) == 13 and lines[-1].startswith("……另有 3 項變更"), lines


# Hostile user text ---------------------------------------------------------------------

def test_hostile_user_text_stays_intact_and_escaped(
        rendered: dict[str, tuple[dict[str, str], list[str]]]) -> None:
    docs, _user = rendered["hostile-text"]
    data = load_blueprint(HOSTILE).data
    title, owner = data["system"]["title"], data["system"]["owner"]
    zh = _zh(docs)
    for path, text in zh.items():
        assert "<script>" not in text, path
        assert md_escape(title) in text, path
    plan = zh["docs/zh-TW/installation-plan.md"]
    assert f"| 權責單位 | {md_escape(owner)} |" in plan
    assert md_escape(data["system"]["stakeholders"][0]["name"]) in plan


def test_no_term_is_in_the_glossary_twice() -> None:
    """YAML keeps the last of two equal keys: a term added twice would silently change the
    words of every document that uses the first."""
    node = yaml.compose((TEMPLATES / "glossary.yml").read_text("utf-8"))
    keys = [k.value for k, _ in node.value]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
