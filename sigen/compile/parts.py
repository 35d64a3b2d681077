"""Parse only what changed: load a blueprint from the parts parsed by the last build.

A blueprint is a mapping of sections, most of them long lists (hosts, services ...). The
text is cut into parts at its top-level keys and, inside a block list, at its entries; the
values of the parts of the last valid build are kept in a store (``sigen.sync.cache``,
``load.json``) by the key of their text, so a rebuild after a change to one host parses
that host's lines only (a full parse of 10,000 hosts takes 3-5 s).

The cut is only made where it cannot change the meaning: text with anchors, aliases, tags,
directives, document markers, flow collections or keys that span lines, or anything else the
simple line rules do not recognise, is loaded in full, and so is any part whose own parse
finds a problem (the full load then reports it with its true position). A blueprint loaded
in parts is one that loads in full to the same data: tests/test_sync.py compares both.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from pathlib import Path
from typing import Any, Protocol

import yaml  # type: ignore[import-untyped,unused-ignore]

from sigen.compile.loader import MAX_BYTES, LoadedBlueprint, load_blueprint, load_text
from sigen.compile.yaml12 import load_yaml12

__all__ = ["PartStore", "PartsLoader", "decode", "encode"]
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):[ \t]*(?:#.*)?")
_INLINE_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):[ \t]+\S")
_ITEM = re.compile(r"( *)-(?: |$)")
# Anchors, aliases and tags tie parts together or change their meaning: no cutting then.
_UNSAFE = re.compile(r"(?:^|[\s\[{,])[&*!]\S|^(?:%|---|\.\.\.)", re.MULTILINE)
_MARK = re.compile(r"[&*!]\S")  # what _UNSAFE looks for after a space, [, { or ,
_MAX_DEPTH = 64
_DATE, _DATETIME = "\x00date", "\x00datetime"


class _Uncuttable(Exception):
    pass


def _significant(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _unsafe(text: str) -> bool:
    """``_UNSAFE.search(text)``, six times quicker on a long text (0.25 s -> 0.04 s at
    10,000 hosts): the expression tries its alternatives at every position, while a text
    search finds the line starts and the few anchor, alias and tag marks directly."""
    if text.startswith(("%", "---", "...")) or "\n%" in text or "\n---" in text \
            or "\n..." in text:
        return True
    for mark in _MARK.finditer(text):
        at = mark.start()
        if at == 0 or text[at - 1].isspace() or text[at - 1] in "[{,":
            return True
    return False


def _split(text: str) -> list[tuple[str, str | None, list[str]]] | None:
    """[(key, text of a whole section or None, texts of list entries)], or None when the
    text cannot be cut safely."""
    if _unsafe(text):
        return None
    lines = text.splitlines(keepends=True)
    blocks: list[tuple[str, list[str]]] = []
    for line in lines:
        if line[:1] not in ("", " ", "\t", "#", "\n", "\r", "-"):
            match = _KEY_LINE.fullmatch(line.rstrip("\r\n")) or _INLINE_KEY.match(line)
            if match is None:
                return None
            blocks.append((match.group(1), [line]))
        elif blocks:
            blocks[-1][1].append(line)
        elif _significant(line):
            return None
    keys = [key for key, _ in blocks]
    if not blocks or len(set(keys)) != len(keys):
        return None
    parts: list[tuple[str, str | None, list[str]]] = []
    for key, block in blocks:
        items = _entries(block)
        parts.append((key, "".join(block) if items is None else None, items or []))
    return parts


def _entries(block: list[str]) -> list[str] | None:
    """The texts of the entries of a ``key:`` block holding a block list, else None."""
    if not _KEY_LINE.fullmatch(block[0].rstrip("\r\n")):
        return None
    body = block[1:]
    first = next((line for line in body if _significant(line)), None)
    match = _ITEM.match(first) if first is not None else None
    if match is None:
        return None
    indent = match.group(1)
    entries: list[list[str]] = []
    for line in body:
        if _ITEM.match(line) and line.startswith(indent + "-"):
            entries.append([line])
        elif entries:
            if _significant(line) and not line.startswith(indent + " "):
                raise _Uncuttable
            entries[-1].append(line)
        elif _significant(line):
            raise _Uncuttable
    return ["".join(entry) for entry in entries]


class PartStore(Protocol):
    """Where parsed parts are kept between builds (``sigen.sync.cache.Store``)."""

    def key(self, kind: str, payload: str) -> str: ...

    def __contains__(self, key: str) -> bool: ...

    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...

    def forget_use(self) -> None: ...


def encode(value: Any) -> Any:
    """JSON for the values YAML gives that JSON lacks (dates), for the store's file."""
    if isinstance(value, datetime.datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, datetime.date):
        return {_DATE: value.isoformat()}
    raise TypeError(f"cannot keep {type(value).__name__} in the load cache")


def decode(obj: dict[str, Any]) -> Any:
    """The inverse of ``encode``, as a JSON object hook."""
    if len(obj) == 1:
        if _DATE in obj:
            return datetime.date.fromisoformat(obj[_DATE])
        if _DATETIME in obj:
            return datetime.datetime.fromisoformat(obj[_DATETIME])
    return obj


def _depth_ok(value: Any) -> bool:
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > _MAX_DEPTH:
            return False
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return True


class PartsLoader:
    """``load`` is ``load_blueprint`` that reuses the parts ``store`` kept last time and puts
    there the parts of what it loads (save the store once the blueprint proved valid)."""

    def __init__(self, store: PartStore) -> None:
        self._store = store
        self.parsed_in_full = False

    def load(self, path: Path) -> LoadedBlueprint:
        try:
            raw = Path(path).read_bytes() if Path(path).stat().st_size <= MAX_BYTES else b""
            if not raw:
                raise _Uncuttable  # empty or too large: the full load says what is wrong
            text = raw.decode("utf-8-sig")
            split = _split(text) if "\x00" not in text else None
        except (OSError, UnicodeDecodeError, _Uncuttable):
            split = None
        if split is None:
            self.parsed_in_full = True
            self._store.forget_use()
            return load_blueprint(path)
        loaded = self._assemble(path, raw, text, split)
        if loaded is not None:
            return loaded
        self.parsed_in_full = True
        loaded = load_text(path, raw)
        self._store.forget_use()
        self._keep_parts_of(split, loaded.data)
        return loaded

    def _digest(self, kind: str, text: str) -> str:
        return self._store.key(kind, text)

    def _assemble(self, path: Path, raw: bytes, text: str,
                  split: list[tuple[str, str | None, list[str]]]) -> LoadedBlueprint | None:
        digests = [self._digest("section", whole) if whole is not None else None
                   for _, whole, _ in split]
        digests += [self._digest("entry", e) for _, _, entries in split for e in entries]
        known = sum(1 for d in digests if d is not None and d in self._store)
        if known * 2 < len(digests):  # mostly new: one parse of the whole is quicker
            return None
        data: dict[str, Any] = {}
        current: dict[str, Any] = {}
        for key, whole, entries in split:
            if whole is not None:
                digest = self._digest("section", whole)
                part = self._part(digest, whole)
                if not (isinstance(part, dict) and list(part) == [key]):
                    return None
                data[key] = part[key]
                current[digest] = part
            else:
                items = []
                for entry in entries:
                    digest = self._digest("entry", entry)
                    part = self._part(digest, entry)
                    if not (isinstance(part, list) and len(part) == 1):
                        return None
                    items.append(part[0])
                    current[digest] = part
                data[key] = items
        self._store.forget_use()
        for digest, part in current.items():
            self._store.put(digest, part)
        self.parsed_in_full = False
        return LoadedBlueprint(path=path, data=data,
                               sha256=hashlib.sha256(raw).hexdigest(), text=text)

    def _part(self, digest: str, text: str) -> Any:
        """A part as its own document (``{key: ...}`` or ``[entry]``), from the store or
        parsed now; None when it does not parse cleanly on its own."""
        if digest in self._store:
            return self._store.get(digest)
        try:
            value, yaml11 = load_yaml12(text)
        except (yaml.YAMLError, RecursionError, ValueError, OverflowError):
            return None
        if yaml11 or not _depth_ok(value):
            return None
        return value

    def _keep_parts_of(self, split: list[tuple[str, str | None, list[str]]],
                       data: dict[str, Any]) -> None:
        """The parts of a blueprint loaded in full, when its cut matches its data."""
        if list(data) != [key for key, _, _ in split]:
            return
        parts: dict[str, Any] = {}
        for key, whole, entries in split:
            if whole is not None:
                parts[self._digest("section", whole)] = {key: data[key]}
            else:
                if not isinstance(data[key], list) or len(data[key]) != len(entries):
                    return
                for entry, value in zip(entries, data[key], strict=True):
                    parts[self._digest("entry", entry)] = [value]
        for digest, part in parts.items():
            self._store.put(digest, part)
