"""What each document costs to render, on the synthetic blueprints of bench/run.py: every
language's documents rendered with only that document, less the same with none (the cover
data, the drawings and the other shared context are in both), and beside them the drawings
alone and Graphviz laying out every drawing (what the HTML, DOCX and PDF formats add).

    .venv/bin/python bench/documents.py 1000 10000
    .venv/bin/python bench/documents.py 10000 --documents software-build.md

In process, with the cyclic collector paused as ``sigen build`` renders; each figure is the
best of the repeats, in CPU seconds of this process (it moves far less than wall time on a VM
shared with other work), Graphviz in wall seconds (it runs in child processes). The plan is
made once per size and is not part of the figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from run import blueprint  # noqa: E402

from sigen.build import plan_for  # noqa: E402
from sigen.compile.gcpause import collector_paused  # noqa: E402
from sigen.compile.loader import load_text  # noqa: E402
from sigen.plan import Plan  # noqa: E402
from sigen.render import diagrams, documents, words  # noqa: E402
from sigen.render.diagrams.dot import svg  # noqa: E402

MEASURED = ("installation-plan.md", "equipment-layout.md", "host-layout.md",
            "system-design.md", "software-build.md")


def best(repeat: int, work: Callable[[], object],
         clock: Callable[[], float] = time.process_time) -> float:
    """The least time of ``repeat`` runs of ``work``."""
    times = []
    for _ in range(repeat):
        start = clock()
        with collector_paused():
            work()
        times.append(clock() - start)
    return min(times)


def alone(plan: Plan, names: tuple[str, ...], repeat: int) -> tuple[float, int]:
    """CPU seconds to render ``names`` (and nothing else) in every language, and bytes."""
    kept = documents.DOCUMENTS, documents.REPORTS
    documents.DOCUMENTS, documents.REPORTS = names, ()
    try:
        made: dict[str, bytes] = {}

        def render() -> None:
            for language in plan.documents.languages:
                made.update(documents.render_language(plan, "0", language))

        seconds = best(repeat, render)
    finally:
        documents.DOCUMENTS, documents.REPORTS = kept
    return seconds, sum(len(v) for k, v in made.items() if k.rsplit("/", 1)[-1] in names)


def rows(hosts: int, names: tuple[str, ...], repeat: int) -> list[str]:
    loaded = load_text(Path(f"bench{hosts}.yml"), blueprint(hosts).encode())
    plan = plan_for(loaded, REPO / "roles")
    base, _ = alone(plan, (), repeat)
    out = []
    for name in names:
        seconds, size = alone(plan, (name,), repeat)
        out.append(f"| {hosts:,} | {name} | {seconds - base:.2f} | {size / 1e6:.1f} |")
    terms = [words.context(plan, lang, documents.describe_changes)["term"]
             for lang in plan.documents.languages]
    drawn = [diagrams.drawings(plan, term) for term in terms]
    drawing = best(repeat, lambda: [diagrams.drawings(plan, term) for term in terms])
    layout = best(repeat, lambda: [svg(d.dot, d.name) for mine in drawn
                                   for d in mine.values()], time.perf_counter)
    largest = max(len(d.mermaid) for mine in drawn for d in mine.values())
    out.append(f"| {hosts:,} | the drawings (Mermaid and DOT; largest Mermaid "
               f"{largest:,} characters) | {drawing:.2f} | - |")
    out.append(f"| {hosts:,} | Graphviz, every drawing (wall s) | {layout:.2f} | - |")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--documents", default=",".join(MEASURED),
                        help="the documents measured, comma-separated")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1796515200")
    print("| hosts | document (every language) | CPU s | MB |")
    print("|---|---|---|---|")
    for hosts in args.sizes:
        for line in rows(hosts, tuple(args.documents.split(",")), args.repeat):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
