"""The documents section: the people who sign exist, nobody approves what they prepared, the
organisation's templates are there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sigen.compile.validate.index import Index

__all__ = ["DOCUMENT_IDS", "check_documents", "people"]

DOCUMENT_IDS = ("installation-plan", "backup-restore-plan", "disaster-drill-plan",
                "equipment-layout", "host-layout", "system-design", "software-build",
                "test-report",
                "verification-checklist", "lab-report", "drill-report",
                "host-evaluation", "component-evaluation", "team-chart", "component-list",
                "system-inventory", "completion-report")
_ROLES = ("prepared_by", "reviewed_by", "approved_by")


def people(data: dict[str, Any]) -> dict[str, str]:
    """The people a document can name, with their role: the stakeholders, then the
    approvers of changes."""
    found: dict[str, str] = {}
    # Lists of the wrong type are the schema's to report (SG104): read only what is a list.
    listed = [*_list(_mapping(data.get("system")).get("stakeholders")),
              *_list(_mapping(data.get("change_management")).get("approvers"))]
    for person in listed:
        if isinstance(person, dict) and isinstance(person.get("name"), str):
            found.setdefault(person["name"], str(person.get("role", "")))
    return found


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _check_custody(index: Index, known: dict[str, str]) -> None:
    security = _mapping(index.loaded.data.get("security"))
    custody = _mapping(security.get("key_custody"))
    for role in ("holder", "deputy"):
        name = custody.get(role)
        if isinstance(name, str) and name not in known:
            shown = ", ".join(sorted(known)[:8]) or "none: add system.stakeholders"
            index.error(("security", "key_custody", role), "SG202",
                        f"unknown person {name!r} holds the keys: name one of "
                        f"system.stakeholders or the change approvers ({shown})")
    if custody.get("holder") is not None and custody.get("holder") == custody.get("deputy"):
        index.error(("security", "key_custody", "deputy"), "SG202",
                    "the deputy of the key holder is the holder: name another person, who "
                    "can open the escrow when the holder cannot be reached")


def check_documents(index: Index) -> None:
    data = index.loaded.data
    _check_custody(index, people(data))
    documents = data.get("documents")
    if not isinstance(documents, dict):
        return
    known = people(data)
    defaults = _mapping(documents.get("signatures"))
    per = _mapping(documents.get("per_document"))
    places: list[tuple[tuple[Any, ...], dict[str, Any]]] = [(("documents", "signatures"),
                                                             defaults)]
    places += [(("documents", "per_document", doc), v) for doc, v in per.items()
               if isinstance(v, dict)]
    for path, signatures in places:
        for role in _ROLES:
            name = signatures.get(role)
            if isinstance(name, str) and name not in known:
                shown = ", ".join(sorted(known)[:8]) or "none: add system.stakeholders"
                index.error((*path, role), "SG202",
                            f"unknown person {name!r} in documents: the people who sign are "
                            f"system.stakeholders or change approvers ({shown})")
    chair = _mapping(documents.get("review")).get("chair")
    if isinstance(chair, str) and chair not in known:
        shown = ", ".join(sorted(known)[:8]) or "none: add system.stakeholders"
        index.error(("documents", "review", "chair"), "SG202",
                    f"unknown person {chair!r} chairs the review: name one of "
                    f"system.stakeholders or the change approvers ({shown})")
    clashes: dict[tuple[Any, ...], tuple[str, list[str]]] = {}
    for doc in DOCUMENT_IDS:
        mine = {**defaults, **_mapping(per.get(doc))}
        prepared, approved = mine.get("prepared_by"), mine.get("approved_by")
        if isinstance(prepared, str) and prepared == approved:
            own = _mapping(per.get(doc))
            where = (("documents", "per_document", doc)
                     if "approved_by" in own or "prepared_by" in own
                     else ("documents", "signatures"))
            clashes.setdefault(where, (prepared, []))[1].append(doc)
    for where, (person, docs) in clashes.items():
        index.error((*where, "approved_by"), "SG801",
                    f"{person!r} prepares and approves the {', '.join(docs)}: one person never "
                    "prepares and approves the same document (segregation of duties); name "
                    "another approver")
    base = Path(index.loaded.path).parent
    for key in ("word_template", "pdf_template", "stylesheet"):
        value = documents.get(key)
        if isinstance(value, str) and not (base / value).is_file():
            index.error(("documents", key), "SG802",
                        f"documents.{key}: there is no file {value!r} beside the blueprint "
                        f"({base / value}); give its path relative to the blueprint")
