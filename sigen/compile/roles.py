"""The roles a plan uses, read from the role library: they are copied into the project."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["role_files"]


def role_files(roles_dir: Path, names: Iterable[str]) -> dict[str, bytes]:
    """Every file of each role, by its path in the project (``roles/<role>/...``); dot
    files and ``__pycache__`` are left out."""
    files: dict[str, bytes] = {}
    for name in names:
        root = roles_dir / name
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not any(p.startswith(".") or p == "__pycache__"
                                          for p in rel.parts):
                files[f"roles/{name}/{rel.as_posix()}"] = path.read_bytes()
    return files
