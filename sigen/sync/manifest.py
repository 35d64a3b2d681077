"""The manifest: what sigen wrote into an output folder, by content hash.

``<out>/.sigen/manifest.json`` records the sigen version, the hashes of the inputs (blueprint,
role library, records the documents are rendered from) and the sha256 of every generated
file. It is what tells a file edited by hand (its hash on disk is not the manifest's) from a
stale one (the manifest's hash is not what the blueprint renders now). It holds no time and
no path outside the folder, so the same inputs give the same manifest.

``.sigen/`` is sigen's state, not output: the manifest, the semantic summary of the system
(``system.json``, a generated file listed in the manifest), the lock, the journal of a build
in progress and the cache of the incremental builds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CACHE",
    "GITIGNORE",
    "MANIFEST",
    "PENDING",
    "STATE",
    "Manifest",
    "content_hash",
    "hash_files",
    "is_state",
    "read_json",
    "read_manifest",
    "tree_hash",
]

STATE = ".sigen"
MANIFEST = f"{STATE}/manifest.json"
# Written before a build changes any file, removed after the manifest: its presence means a
# build was interrupted, and it names the files that build may have written.
PENDING = f"{STATE}/pending.json"
CACHE = f"{STATE}/cache"
_FORMAT = 1
# Files of .sigen/ that are generated like any other (listed in the manifest, checked).
_GENERATED_STATE = frozenset({f"{STATE}/system.json", f"{STATE}/.gitignore"})
# Written into every output, so that committing an output folder commits what is meant.
GITIGNORE = (b"# sigen's state on this machine; the manifest and system.json belong to the output\n"
             b"/lock\n/pending.json\n/cache/\n")


def content_hash(content: bytes) -> str:
    """The hash every comparison of file contents uses (sha256, hex)."""
    return hashlib.sha256(content).hexdigest()


def is_state(rel: str) -> bool:
    """Whether ``rel`` is sigen's own bookkeeping (never compared, listed or deleted)."""
    return rel.startswith(STATE + "/") and rel not in _GENERATED_STATE


def tree_hash(root: Path, skip: Iterable[str] = ()) -> str:
    """One hash over every file below ``root`` (relative path and content), in path order;
    dot-folders, ``__pycache__`` and ``skip`` prefixes are left out."""
    digest = hashlib.sha256()
    if not root.is_dir():
        return digest.hexdigest()
    skipped = tuple(skip)
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if (not path.is_file() or rel.startswith(skipped)
                or any(p.startswith(".") or p == "__pycache__" for p in rel.split("/"))):
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def hash_files(files: Mapping[str, bytes]) -> dict[str, str]:
    return {rel: content_hash(content) for rel, content in files.items()}


@dataclass(frozen=True)
class Manifest:
    """A parsed manifest; ``files`` maps each generated file to its sha256."""

    version: str
    inputs: Mapping[str, str]
    files: Mapping[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        data = {"format": _FORMAT, "sigen": self.version, "inputs": dict(sorted(
            self.inputs.items())), "files": dict(sorted(self.files.items()))}
        return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode()


def read_json(path: Path) -> Any:
    """A JSON file's data, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def read_manifest(out: Path) -> Manifest | None:
    """The manifest of ``out``, or None when there is none (or it cannot be read)."""
    data = read_json(out / MANIFEST)
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    files = data.get("files")
    inputs = data.get("inputs")
    if not isinstance(files, dict) or not isinstance(inputs, dict):
        return None
    return Manifest(str(data.get("sigen", "")), {str(k): str(v) for k, v in inputs.items()},
                    {str(k): str(v) for k, v in files.items()})
