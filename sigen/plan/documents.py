"""The documents of a plan: which languages and formats, and each document's control data
(number, output codes of the standard, who prepares, reviews and approves it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["CLASSIFICATIONS", "DocumentInfo", "Documents", "Signer"]

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
