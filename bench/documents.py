"""What some documents add to a build: the documents of every language rendered with and
without them, on the synthetic blueprints of bench/run.py. By default the three diagram
documents, which also leave out the drawings and add the time Graphviz takes to lay out every
drawing (what the HTML, DOCX and PDF formats add on top).

    .venv/bin/python bench/documents.py 1000 10000 --repeat 3
    .venv/bin/python bench/documents.py 1000 10000 --leave-out software-build.md

In process, with the cyclic collector paused as ``sigen build`` renders; each figure is the
best of the repeats, in CPU seconds (Graphviz: wall seconds). The plan is made once per size
and is not part of the figures.
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


def best(repeat: int, work: Callable[[], object], clock: Callable[[], float] = time.process_time
         ) -> float:
    """The least time of ``repeat`` runs: CPU time of this process by default, which moves
    far less than wall time on a VM shared with other work."""
    times = []
    for _ in range(repeat):
        start = clock()
        with collector_paused():
            work()
        times.append(clock() - start)
    return min(times)


def row(hosts: int, repeat: int, left_out: tuple[str, ...]) -> str:
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
    documents.DOCUMENTS = tuple(d for d in kept if d not in left_out)
    if set(DIAGRAM_DOCUMENTS) <= set(left_out):
        diagrams.drawings = lambda plan, term: {}  # type: ignore[assignment]
    try:
        without = best(repeat, render_all)
    finally:
        documents.DOCUMENTS, diagrams.drawings = kept, drawings
    terms = [words.context(plan, lang, documents.describe_changes)["term"]
             for lang in languages]
    drawn = [drawings(plan, term) for term in terms]
    drawing = best(repeat, lambda: [drawings(plan, term) for term in terms])
    # Graphviz runs in child processes: wall time.
    layout = best(repeat, lambda: [svg(d.dot, d.name) for mine in drawn
                                   for d in mine.values()], time.perf_counter)
    size = sum(len(v) for k, v in made.items() if k.rsplit("/", 1)[-1] in left_out)
    largest = max(len(d.mermaid) for mine in drawn for d in mine.values())
    return (f"| {hosts:,} | {with_them:.2f} | {without:.2f} | {with_them - without:.2f} "
            f"| {drawing:.2f} | {layout:.2f} | {size / 1e6:.1f} | {largest:,} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--leave-out", default=",".join(DIAGRAM_DOCUMENTS),
                        help="the documents measured, comma-separated (default: the diagrams)")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1796515200")
    left_out = tuple(args.leave_out.split(","))
    print("| hosts | documents s | without them s | added s | drawings s "
          "| Graphviz s | their MB | largest Mermaid chars |")
    print("|---|---|---|---|---|---|---|---|")
    for hosts in args.sizes:
        print(row(hosts, args.repeat, left_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
