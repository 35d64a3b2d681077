"""The words of a document's language: the glossary, dates, the cover's control data.

One glossary (``sigen/templates/glossary.yml``) gives each term its translation, so a term
reads the same in every document of a language; the templates print terms with
``term("...")``. Dates are ISO (2026-12-06), or in the ROC calendar (民國115年12月6日) in
the zh-TW documents when the blueprint asks for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

from sigen.plan import Plan, Revision
from sigen.plan.documents import CLASSIFICATIONS

__all__ = ["GLOSSARY", "context", "document", "format_date", "glossary"]

GLOSSARY = Path(__file__).resolve().parent.parent / "templates" / "glossary.yml"
_LANGUAGES = ("zh-TW", "en")
# The revision table lists this many lines of a revision; more are counted.
_REVISION_LINES = 12
# A stale drill's standing lists this many of the changes since its run.
_STANDING_LINES = 6


@functools.cache
def glossary() -> dict[str, dict[str, str]]:
    """term -> language -> words (the file is sigen's own data)."""
    data = yaml.safe_load(GLOSSARY.read_text("utf-8"))
    return {str(k): {str(lang): str(w) for lang, w in v.items()} for k, v in data.items()}


def format_date(iso: str, language: str, calendar: str) -> str:
    """``2026-12-06`` as the document prints it."""
    if not iso:
        return ""
    if language == "zh-TW" and calendar == "roc":
        year, month, day = (int(x) for x in iso.split("-"))
        return f"民國{year - 1911}年{month}月{day}日"
    return iso


def context(plan: Plan, language: str,
            describe: Callable[..., list[str]]) -> dict[str, Any]:
    words = glossary()
    calendar = plan.documents.calendar

    def term(key: str) -> str:
        found = words.get(key)
        if found is None:
            raise KeyError(f"{key!r} is not in the glossary ({GLOSSARY.name})")
        return found[language]

    def revision_lines(revision: Revision) -> Sequence[str]:
        if not revision.facts:  # a record of an older sigen: its own (English) lines
            return revision.changes
        changes, initial = revision.change_list()
        return describe(changes, initial=initial, language=language, limit=_REVISION_LINES)

    def change_lines(changes: Sequence[Any]) -> Sequence[str]:
        return describe(changes, language=language, limit=_STANDING_LINES)

    return {
        "change_lines": change_lines,
        "lang": language,
        "term": term,
        "date": lambda iso: format_date(iso, language, calendar),
        "revision_lines": revision_lines,
        "classification": CLASSIFICATIONS[plan.documents.classification][
            _LANGUAGES.index(language)],
        "unit": plan.documents.unit,
    }


def document(plan: Plan, language: str, doc: str) -> dict[str, Any]:
    """The control data of one document for its cover and approval table."""
    info = plan.documents.by_id[doc]
    latest = plan.revisions[-1] if plan.revisions else None
    return {
        "doc": info,
        "doc_number": info.number,
        "doc_title": glossary()[f"document:{doc}"][language],
        "doc_codes": " / ".join(info.codes),
        "doc_version": latest.version if latest else "1.0",
        "doc_date": format_date(latest.date, language, plan.documents.calendar)
        if latest else "",
    }


def report(plan: Plan, language: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """The control data of one drill run's report: issued once, when the run is recorded,
    numbered after the report document and the run."""
    control = document(plan, language, "drill-report")
    started = str(record.get("started", ""))[:10]
    control.update({
        "doc_number": f"{control['doc'].number}-{record.get('name', '')}",
        "doc_version": "1.0",
        "doc_date": format_date(started, language, plan.documents.calendar) if started else "",
    })
    return control
