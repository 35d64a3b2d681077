"""Incremental builds: know when there is nothing to do without doing it.

A build records the hashes of its inputs: the blueprint's bytes, the role library, the
revision history, the sigen version, and (in the cache only, since it changes with every
edit of sigen itself) the hash of sigen's own code and templates. The next build with the
same inputs, no interrupted build, and every generated file still holding what the manifest
says (by size and modification time as recorded after the last write, else by content
hash) is a no-op: nothing is loaded, validated, rendered or written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from sigen.plan.evidence import RECORDS
from sigen.sync.manifest import (
    CACHE,
    PENDING,
    STATE,
    content_hash,
    read_json,
    read_manifest,
    tree_hash,
)
from sigen.sync.writer import atomic_write, disk_hashes

__all__ = ["Inputs", "generator_hash", "inputs_of", "is_up_to_date", "records_hash",
           "remember_inputs",
           "unchanged_output"]

_INPUTS = f"{CACHE}/inputs.json"
Inputs = dict[str, str]


@cache
def generator_hash() -> str:
    """sigen's own code, templates and schema: a changed compiler is a changed input."""
    return tree_hash(Path(__file__).resolve().parent.parent)


def _version() -> str:
    from sigen import __version__

    return __version__


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def inputs_of(blueprint: Path, roles_dir: Path, out: Path) -> Inputs:
    """The hashes of what a build of ``blueprint`` into ``out`` reads (the ones the manifest
    records; ``remember_inputs`` adds sigen's own)."""
    return {
        "blueprint": content_hash(_read(blueprint)),
        # Every record feeds the documents: the revisions, verification runs, drills.
        "records": records_hash(out),
        "roles": tree_hash(roles_dir),
        # The component list describes the molecule scenarios beside the roles.
        "scenarios": tree_hash(roles_dir.parent / "molecule"),
        "sigen": _version(),
    }


def records_hash(out: Path, replaced: Mapping[str, bytes] | None = None) -> str:
    """One hash over ``records/`` (each file's path below the output folder and content),
    with ``replaced`` (paths below the output folder) as they are about to be written."""
    root = out / RECORDS
    files = {p.relative_to(out).as_posix(): p for p in root.rglob("*") if p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(root).parts)} \
        if root.is_dir() else {}
    digest = hashlib.sha256()
    for rel in sorted(set(files) | set(replaced or {})):
        data = (replaced or {}).get(rel)
        digest.update(rel.encode() + b"\0" + (data if data is not None
                                              else files[rel].read_bytes()) + b"\0")
    return digest.hexdigest()


def remember_inputs(out: Path, inputs: Inputs) -> None:
    payload = json.dumps({**inputs, "generator": generator_hash()}, sort_keys=True).encode()
    atomic_write(out / _INPUTS, payload)


def is_up_to_date(out: Path, inputs: Inputs) -> bool:
    """Whether building with ``inputs`` would change nothing in ``out``."""
    if (out / PENDING).exists():
        return False
    if read_json(out / _INPUTS) != {**inputs, "generator": generator_hash()}:
        return False
    manifest = read_manifest(out)
    if manifest is None or dict(manifest.inputs) != inputs:
        return False
    files = dict(manifest.files)
    on_disk = disk_hashes(out, sorted(files), files)
    return all(on_disk[rel] == digest for rel, digest in files.items())


def unchanged_output(blueprint: Path, out: Path, roles_dir: Path,
                     options: str | None = None) -> int | None:
    """The number of generated files when a build of ``blueprint`` into ``out`` would
    change nothing (checked under the output's lock), else None. ``options`` are the
    build's (``sigen.build.Options.text``); None: those the folder was built with."""
    if not (out / STATE).is_dir():
        return None
    from sigen.sync.lock import output_lock

    with output_lock(out):
        manifest = read_manifest(out)
        inputs = inputs_of(blueprint, roles_dir, out)
        if options is None and manifest is not None:
            options = manifest.inputs.get("options", "")
        if options:
            inputs["options"] = options
        if manifest is None or not is_up_to_date(out, inputs):
            return None
        return len(manifest.files)
