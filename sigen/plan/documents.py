"""The documents of a plan: which languages and formats, and each document's control data
(number, output codes of the standard, who prepares, reviews and approves it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["CLASSIFICATIONS", "DocumentInfo", "Documents", "Review", "ReviewItem", "Signer"]

# 機密等級: the value the blueprint gives, as the covers print it.
CLASSIFICATIONS = {"public": ("一般", "Public"), "internal": ("限閱", "Internal use"),
                   "confidential": ("密", "Confidential")}


@dataclass(frozen=True)
class Signer:
    name: str
    role: str


@dataclass(frozen=True, eq=False)
class DocumentInfo:
    """One document: ``id`` names its template (``installation-plan``), ``codes`` the
    outputs of INM3513-005v4 it answers (``O2.2.1``), ``number`` its 文件編號."""

    id: str
    codes: tuple[str, ...]
    number: str
    prepared: Signer | None = None
    reviewed: Signer | None = None
    approved: Signer | None = None


@dataclass(frozen=True)
class Review:
    """The review meeting after the build (P3.1.1): ``date`` ISO, ``at`` HH:MM."""

    date: str
    at: str
    place: str
    chair: Signer


@dataclass(frozen=True)
class ReviewItem:
    """One work item of the review schedule (P3.1.1), in date order. ``kind``:
    ``distribute`` (send the completion report to the stakeholders), ``meeting``,
    ``finding`` (close an open corrective action of a drill: ``subject`` its drill, ``ref``
    the run), ``drill`` (run a drill whose evidence is missing or stale before the meeting,
    or again by its due date: ``ref`` its standing), ``support`` (confirm with the vendor a
    support commitment that ends within the review period: ``subject`` the component,
    ``ref`` who supports it) or ``feedback`` (collect the stakeholders' feedback, P3.1.3).
    ``date`` is ISO, "" when the blueprint schedules no meeting to count from."""

    kind: str
    subject: str
    owner: str
    date: str
    ref: str = ""
    vendor: Mapping[str, str] = field(default_factory=dict)  # support: who, per language


@dataclass(frozen=True, eq=False)
class Documents:
    languages: tuple[str, ...] = ("zh-TW", "en")  # approvers in Taiwan sign the Chinese
    formats: tuple[str, ...] = ("md",)
    calendar: str = "gregorian"  # gregorian | roc (the zh-TW documents)
    classification: str = "internal"
    unit: str = ""
    by_id: Mapping[str, DocumentInfo] = field(default_factory=dict)
    # The organisation's templates, as absolute paths ("" when not given).
    word_template: str = ""
    pdf_template: str = ""
    stylesheet: str = ""
    review: Review | None = None
