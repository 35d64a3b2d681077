"""Blueprint format migrations: upgrade an older blueprint's text to the current format.

Each change of the format ships a ``Migration`` from the format before it (docs/migrate.md
lists them). A migration edits the *text*: the blueprint is read with ruamel.yaml's
round-trip loader only to find where each key and value is, and the edits replace just
those characters. ruamel's own dumper would rewrite what it does not keep exactly (it
re-indents sequences and writes ``[{size_gb: 20}]`` as ``[size_gb: 20]``, measured on the
examples), while an architect's comments, order, quoting and layout must survive byte for
byte outside the changed words.

Format 1 -> 2: ``drills[].target`` (what fails) is renamed ``drills[].fails``: beside
``drills[].success`` and the backups' ``rpo``/``rto``, which the documents call the
recovery *targets*, "target" named two different things.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sigen.compile.validate.values import FORMAT

__all__ = ["FORMAT", "MIGRATIONS", "Migrated", "Migration", "TextEdits", "migrate_text"]


class TextEdits:
    """Replacements in a text, at positions (0-based line and column) ruamel.yaml gave;
    applied from the end, so earlier positions stay right."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self._edits: list[tuple[int, int, int, str]] = []

    def replace(self, line: int, col: int, old: str, new: str) -> None:
        found = self.lines[line][col:col + len(old)]
        if found != old:
            raise ValueError(f"line {line + 1} col {col + 1}: expected {old!r}, found {found!r}")
        edit = (line, col, len(old), new)
        if edit not in self._edits:  # an aliased mapping is met once per alias
            self._edits.append(edit)

    def rename_key(self, mapping: Any, old: str, new: str) -> None:
        """Rename key ``old`` of a round-trip mapping, keeping its quoting."""
        line, col = mapping.lc.key(old)
        text = self.lines[line]
        quote = text[col] if text[col] in "\"'" else ""
        self.replace(line, col, f"{quote}{old}{quote}", f"{quote}{new}{quote}")

    def set_scalar(self, mapping: Any, key: str, old: str, new: str) -> None:
        """Replace the plain scalar value ``old`` of ``key`` with ``new``."""
        line, col = mapping.lc.value(key)
        self.replace(line, col, old, new)

    def text(self) -> str:
        lines = list(self.lines)
        for line, col, length, new in sorted(self._edits, reverse=True):
            lines[line] = lines[line][:col] + new + lines[line][col + length:]
        return "\n".join(lines)


@dataclass(frozen=True)
class Migration:
    """From format ``source`` to ``source + 1``: ``apply(document, edits)`` adds the edits
    and returns one line per change (shown to the user)."""

    source: int
    summary: str
    apply: Callable[[Any, TextEdits], list[str]]


def _drill_target_to_fails(doc: Any, edits: TextEdits) -> list[str]:
    changes = []
    drills = doc.get("drills") if hasattr(doc, "get") else None
    for i, drill in enumerate(drills if isinstance(drills, list) else []):
        if hasattr(drill, "lc") and "target" in drill and "fails" not in drill:
            edits.rename_key(drill, "target", "fails")
            name = drill.get("name") if isinstance(drill.get("name"), str) else f"#{i + 1}"
            line = drill.lc.key("target")[0] + 1
            changes.append(f"line {line}: drill {name}: target renamed fails")
    return changes


MIGRATIONS: dict[int, Migration] = {
    1: Migration(1, "drills[].target is renamed drills[].fails", _drill_target_to_fails),
}


@dataclass(frozen=True)
class Migrated:
    """The text at the current format, the format it had, and what changed (empty when it
    was current already)."""

    text: str
    source: int
    changes: tuple[str, ...]


def migrate_text(text: str) -> Migrated:
    """Upgrade blueprint text to ``FORMAT``, one migration after the other. Raises
    ValueError when the text is no YAML mapping with a known format (the caller reports
    it as validation does)."""
    from ruamel.yaml import YAML

    current = text
    source: int | None = None
    changes: list[str] = []
    while True:
        doc = YAML(typ="rt").load(current)
        if not hasattr(doc, "lc") or not isinstance(doc.get("sigen"), int) \
                or isinstance(doc.get("sigen"), bool):
            raise ValueError("the blueprint has no format version (sigen: N) to start from")
        version = doc["sigen"]
        source = version if source is None else source
        if version >= FORMAT or version not in MIGRATIONS:
            break
        migration = MIGRATIONS[version]
        edits = TextEdits(current)
        found = migration.apply(doc, edits)
        edits.set_scalar(doc, "sigen", str(version), str(version + 1))
        changes += [f"line {doc.lc.value('sigen')[0] + 1}: sigen: {version} -> {version + 1} "
                    f"({migration.summary})", *found]
        current = edits.text()
    return Migrated(current, source, tuple(changes))
