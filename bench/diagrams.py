"""What the diagrams add to a build: the documents of every language rendered with and without
the three diagram documents and the drawings, and Graphviz laying out every drawing (what
the HTML, DOCX and PDF formats add on top), on the synthetic blueprints of bench/run.py.

    .venv/bin/python bench/diagrams.py 1000 10000 --repeat 3

In process, with the cyclic collector paused as ``sigen build`` renders; each figure is the
best of the repeats. The plan is made once per size and is not part of the figures.
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
from sigen.render import diagrams, documents, words  # noqa: E402
from sigen.render.diagrams.dot import svg  # noqa: E402

DIAGRAM_DOCUMENTS = ("equipment-layout.md", "host-layout.md", "system-design.md")


def best(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with collector_paused():
            work()
        times.append(time.perf_counter() - start)
    return min(times)


def row(hosts: int, repeat: int) -> str:
    """The figures of one size, as a row of the table."""
    loaded = load_text(Path(f"bench{hosts}.yml"), blueprint(hosts).encode())
    plan = plan_for(loaded, REPO / "roles")
    languages = plan.documents.languages

    def render_all() -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for language in languages:
            out.update(documents.render_language(plan, "0", language))
        return out

    made = render_all()
    with_them = best(repeat, render_all)
    kept, drawings = documents.DOCUMENTS, diagrams.drawings
    documents.DOCUMENTS = tuple(d for d in kept if d not in DIAGRAM_DOCUMENTS)
    diagrams.drawings = lambda plan, term: {}  # type: ignore[assignment]
    try:
        without = best(repeat, render_all)
    finally:
        documents.DOCUMENTS, diagrams.drawings = kept, drawings
    terms = [words.context(plan, lang, documents.describe_changes)["term"]
             for lang in languages]
    drawn = [drawings(plan, term) for term in terms]
    drawing = best(repeat, lambda: [drawings(plan, term) for term in terms])
    layout = best(repeat, lambda: [svg(d.dot, d.name) for mine in drawn
                                   for d in mine.values()])
    size = sum(len(v) for k, v in made.items() if k.rsplit("/", 1)[-1] in DIAGRAM_DOCUMENTS)
    largest = max(len(d.mermaid) for mine in drawn for d in mine.values())
    return (f"| {hosts:,} | {with_them:.2f} | {without:.2f} | {with_them - without:.2f} "
            f"| {drawing:.2f} | {layout:.2f} | {size / 1e6:.1f} | {largest:,} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1796515200")
    print("| hosts | documents s | without the diagrams s | added s | drawings s "
          "| Graphviz s | diagram documents MB | largest Mermaid chars |")
    print("|---|---|---|---|---|---|---|---|")
    for hosts in args.sizes:
        print(row(hosts, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
