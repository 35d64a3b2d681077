"""The documents a blueprint asks for: languages, formats, and each document's number and
signatures, with the build's own choice of languages and formats over the blueprint's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sigen.plan import DocumentInfo, Documents, Signer
from sigen.plan.documents import Review

__all__ = ["CODES", "documents"]

# The outputs of INM3513-005v4 each document answers (PRODUCT.md).
CODES: Mapping[str, tuple[str, ...]] = {
    "installation-plan": ("O2.2.1",),
    "backup-restore-plan": ("O2.1.4", "O3.1.3"),
    "disaster-drill-plan": ("O2.1.5", "O3.1.4"),
    "equipment-layout": ("O1.1.2",),
    "host-layout": ("O2.1.3",),
    "system-design": ("O3.1.1",),
    "software-build": ("O3.1.2",),
    "test-report": ("O2.2.2",),
    "verification-checklist": ("O2.2.3",),
    "lab-report": ("O2.2.2",),
    "drill-report": ("O3.1.4",),
    "host-evaluation": ("O2.1.1",),
    "component-evaluation": ("O2.1.2",),
    "team-chart": ("O1.1.3",),
    "component-list": ("O1.3.2",),
    "system-inventory": ("O1.3.1",),
    "completion-report": ("O3.1.1",),
}
# The lab report and the drill reports support an output rather than being one: their
# numbers carry a suffix so that no two documents share a number.
_SUFFIX = {"lab-report": "-LAB", "drill-report": "-R", "completion-report": "-T3"}


def _signer(name: Any, known: Mapping[str, str]) -> Signer | None:
    return Signer(name, known.get(name, "")) if isinstance(name, str) else None


def documents(data: Mapping[str, Any], blueprint: Path, *, system: str, owner: str,
              languages: Sequence[str] = (), formats: Sequence[str] = ()) -> Documents:
    """``data`` is the validated blueprint; ``languages`` and ``formats``, when given, are
    the build's (``sigen build --languages --formats``) and replace the blueprint's."""
    from sigen.compile.validate.documents import people

    section = data.get("documents") or {}
    known = people(dict(data))
    defaults = section.get("signatures") or {}
    per = section.get("per_document") or {}
    prefix = section.get("number_prefix") or system.upper()
    by_id = {}
    for doc, codes in CODES.items():
        mine = {**defaults, **(per.get(doc) or {})}
        by_id[doc] = DocumentInfo(
            id=doc, codes=codes, number=f"{prefix}-{codes[0]}{_SUFFIX.get(doc, '')}",
            prepared=_signer(mine.get("prepared_by"), known),
            reviewed=_signer(mine.get("reviewed_by"), known),
            approved=_signer(mine.get("approved_by"), known))
    chosen_formats = list(formats or section.get("formats") or ["md"])
    if "md" not in chosen_formats:
        chosen_formats.insert(0, "md")  # Markdown is always written, for review
    base = blueprint.resolve().parent

    def path(key: str) -> str:
        value = section.get(key)
        return str(base / value) if isinstance(value, str) else ""

    meeting = section.get("review") or {}
    chair = _signer(meeting.get("chair"), known)
    review = Review(str(meeting["date"]), str(meeting.get("at") or "14:00"),
                    str(meeting["place"]), chair) if meeting and chair else None
    return Documents(
        languages=tuple(dict.fromkeys(languages or section.get("languages")
                                      or Documents().languages)),
        formats=tuple(dict.fromkeys(chosen_formats)),
        calendar=str(section.get("calendar") or "gregorian"),
        classification=str(section.get("classification") or "internal"),
        unit=str(section.get("unit") or owner), by_id=by_id,
        word_template=path("word_template"), pdf_template=path("pdf_template"),
        stylesheet=path("stylesheet"), review=review)
