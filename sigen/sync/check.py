"""``sigen check``: is an output folder exactly what its blueprint produces now? Reads only.

``sigen.build.check_output`` renders the blueprint in full and this module compares the
result file by file with the folder. The manifest says why a file differs: a file still
holding what sigen wrote is out of date; one holding something else was edited by hand.
``records/`` is data and is not compared; the documents rendered from it are.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path

from sigen.diagnostics import Diagnostic, about_file
from sigen.sync.manifest import MANIFEST, PENDING, hash_files, read_manifest
from sigen.sync.writer import disk_hashes, existing_files

__all__ = ["compare_tree", "unified_diff"]


def compare_tree(files: Mapping[str, bytes], out: Path) -> list[Diagnostic]:
    """One diagnostic per file of ``out`` that is not exactly ``files``, plus the state
    problems (no manifest, an interrupted build, a manifest that disagrees)."""
    diags: list[Diagnostic] = []

    def report(rel: str, code: str, message: str) -> None:
        diags.append(about_file(out / rel, code, message))

    manifest = read_manifest(out)
    if (out / PENDING).exists():
        report(PENDING, "SG907", "a build was interrupted here: some files may be old and "
               "some new; run sigen build to finish it")
    if manifest is None:
        report(MANIFEST, "SG907", "no sigen manifest: this folder was not written by "
               "sigen build (or by an older sigen); run sigen build")
    recorded = dict(manifest.files) if manifest else {}
    new = hash_files(files)
    on_disk = disk_hashes(out, sorted(files), {})
    for rel, digest in new.items():
        disk = on_disk[rel]
        if disk is None:
            report(rel, "SG905", "missing: the blueprint produces this file; run sigen build")
        elif disk == digest:
            continue
        elif recorded.get(rel) == disk:
            report(rel, "SG904", "out of date: the blueprint (or sigen, or the role library) "
                   "changed since it was built; run sigen build")
        else:
            report(rel, "SG902", "edited by hand: it is not what sigen wrote; move the "
                   "change into the blueprint and run sigen build")
    for rel in sorted(set(existing_files(out)) - set(files)):
        if rel in recorded:
            report(rel, "SG906", "no longer produced by the blueprint; run sigen build to "
                   "remove it")
        else:
            report(rel, "SG906", "not produced by the blueprint and not written by sigen; "
                   "remove it, or keep such files outside the output folder")
    if manifest is not None and not diags and recorded != new:
        report(MANIFEST, "SG907", "the manifest does not list the files as they are (a build "
               "interrupted before its end?); run sigen build")
    return sorted(diags)


def unified_diff(files: Mapping[str, bytes], out: Path, rels: Sequence[str]) -> str:
    """A unified diff of each of ``rels`` between ``out`` and ``files`` (text files)."""
    chunks: list[str] = []
    for rel in rels:
        path = out / rel
        old = path.read_bytes() if path.is_file() else b""
        new = files.get(rel, b"")
        try:
            a, b = old.decode().splitlines(keepends=True), new.decode().splitlines(keepends=True)
        except UnicodeDecodeError:
            chunks.append(f"Binary files a/{rel} and b/{rel} differ\n")
            continue
        chunks.extend(difflib.unified_diff(
            a, b, f"a/{rel}" if path.is_file() else "/dev/null",
            f"b/{rel}" if rel in files else "/dev/null"))
        if chunks and not chunks[-1].endswith("\n"):
            chunks.append("\n\\ No newline at end of file\n")
    return "".join(chunks)
