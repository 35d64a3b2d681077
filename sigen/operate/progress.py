"""Progress of a long run, read from ``ansible-playbook``'s own output as it comes.

The default callback prints ``PLAY [INS-003 ...]``, ``TASK [...]``, one ``ok: [host]`` (or
changed, skipping, failed, fatal, unreachable) per host and task, and the ``PLAY RECAP``.
``Progress`` follows those lines and shows the current step with its plan ID, the task,
hosts done / total and the elapsed time: as a live line on a terminal (rich), as plain
lines elsewhere (CI logs: one when a step starts and one when it ends), and not at all when
quiet. The step's host count comes from the plan (Ansible does not print it). What a
role's ``debug`` task says is the role's note to the operator (a database set aside, a
check not applicable in a container), so it is passed on under its host.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["Progress", "StepState", "mode_for"]

_PLAY = re.compile(r"^PLAY \[(.*)\] \**$")
_TASK = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$")
# A delegated task's result names the host and where it ran: ``ok: [db01 -> bk01]``.
_RESULT = re.compile(r"^(ok|changed|skipping|failed|fatal|unreachable): "
                     r"\[([^\]\s]+)(?: -> [^\]]+)?\]( => \{)?")
_MSG = re.compile(r'^    "msg": (.*?),?$')
_RECAP = "PLAY RECAP"
_STEP_ID = re.compile(r"^([A-Z]{3}-\d{3})\b")


def mode_for(stream: TextIO, quiet: bool) -> str:
    """``quiet``, ``rich`` on a terminal, else ``plain`` (CI, a pipe, a file)."""
    if quiet:
        return "quiet"
    isatty = getattr(stream, "isatty", None)
    return "rich" if callable(isatty) and isatty() else "plain"


@dataclass
class StepState:
    """One play: its plan ID (or ``-``), title, host count, and what its hosts did."""

    step: str
    title: str
    total: int
    number: int
    task: str = ""
    task_hosts: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    announced: bool = False


class Progress:
    """Feed it ``ansible-playbook``'s output line by line; it reports as it goes.

    ``steps`` maps the plan IDs the run may meet to their number of hosts; ``hosts`` is the
    inventory's size (for plays that are no plan step, such as the preflight). ``clock``
    is ``time.monotonic`` unless a test gives recorded times."""

    def __init__(self, title: str, steps: Mapping[str, int], hosts: int, *,
                 mode: str = "plain", stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.title, self.steps, self.hosts, self.mode = title, dict(steps), hosts, mode
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.clock = clock
        self.started = clock()
        self.current: StepState | None = None
        self.done: list[StepState] = []
        self._live: Any = None
        self._pending: StepState | None = None  # ended; shown when no next batch follows
        self._message_of: str | None = None  # the host whose result's body is being read
        self._list: list[str] | None = None  # a msg that is a list, as it is read
        if mode == "rich":
            self._live = _RichLine(self.stream)
        self._say(f"{title}: {len(self.steps)} steps on {hosts} hosts")

    # -- the lines of ansible-playbook
    def feed(self, line: str) -> None:
        line = line.rstrip("\n")
        if self._message_of is not None and self._read_message(line):
            return
        play = _PLAY.match(line)
        if play:
            self._finish_step()
            self._begin(play.group(1))
            return
        state = self.current
        task = _TASK.match(line)
        if task and state is not None:
            self._announce(state)
            state.task, state.task_hosts = task.group(1), set()
            self._update()
            return
        result = _RESULT.match(line)
        if result and state is not None:
            kind, host, body = result.groups()
            self._announce(state)
            state.task_hosts.add(host)
            state.hosts.add(host)
            if kind in ("failed", "fatal", "unreachable") and "...ignoring" not in line:
                state.failed.add(host)
            self._message_of = host if body and kind == "ok" else None
            self._update()
            return
        if line.startswith(_RECAP):
            self._finish_step()
            self._flush()

    def _begin(self, name: str) -> None:
        found = _STEP_ID.match(name)
        step = found.group(1) if found else "-"
        title = name[len(step):].strip() if found else name
        last = self._pending
        if last is not None and step != "-" and (last.step, last.title) == (step, title):
            # The next batch of a play with ``serial``: Ansible prints the play again.
            self.current, self._pending = last, None
            return
        self._flush()
        self.current = StepState(step, title, self.steps.get(step, self.hosts), 0)

    def _announce(self, state: StepState) -> None:
        """A play is shown once it runs a task: a play that --tags left out runs none."""
        if state.announced:
            return
        state.announced = True
        # Only plan steps are numbered: the preflight and verify plays are no step.
        if state.step != "-":
            state.number = sum(1 for s in self.done if s.step != "-") + 1
        on = "" if state.step == "-" else \
            f" on {state.total} host{'s' if state.total != 1 else ''}"
        self._say(f"{self._clock()} {self._label()} started{on}")

    def _read_message(self, line: str) -> bool:
        """Inside the body of a result: pass its ``msg`` on; True while the body lasts."""
        host = self._message_of
        if self._list is not None:
            if line.startswith("    ]"):
                self._note(host, " ".join(self._list))
                self._list = None
            else:
                self._list.append(_json_text(line.strip().rstrip(",")))
            return True
        if line.startswith("}"):
            self._message_of = None
            return True
        found = _MSG.match(line)
        if found:
            value = found.group(1)
            if value == "[":
                self._list = []
            else:
                self._note(host, _json_text(value))
        if not line.startswith(" "):
            self._message_of = None
            return False
        return True

    def _note(self, host: str | None, text: str) -> None:
        self._say(f"  {host}: {text}")

    def close(self, returncode: int) -> None:
        """The run ended with ``returncode``: the last step ends, then a summary."""
        self._finish_step()
        self._flush()
        if self._live is not None:
            self._live.stop()
            self._live = None
        failed = sorted({h for s in self.done for h in s.failed})
        verdict = "done" if returncode == 0 else f"FAILED (exit {returncode})"
        steps = sum(1 for s in self.done if s.step != "-")
        self._say(f"{self._clock()} {self.title}: {verdict} after {steps} "
                  f"step{'s' if steps != 1 else ''}"
                  + (f"; failed hosts: {', '.join(failed)}" if failed else ""))

    # -- what is shown
    def _clock(self) -> str:
        seconds = max(0.0, self.clock() - self.started)
        return f"[{int(seconds // 60):02d}:{seconds % 60:04.1f}]"

    def _label(self) -> str:
        state = self.current
        assert state is not None
        if state.step == "-":
            return f"- {state.title}".rstrip()
        return f"{state.step} ({state.number}/{max(len(self.steps), state.number)}) " \
               f"{state.title}".rstrip()

    def status(self) -> str:
        """The live line: step, task, hosts done / total, elapsed."""
        state = self.current
        if state is None:
            return f"{self._clock()} {self.title}: starting"
        return (f"{self._clock()} {self._label()}: {state.task or 'starting'}: "
                f"hosts {len(state.task_hosts)}/{state.total}")

    def _update(self) -> None:
        if self._live is not None:
            self._live.show(self.status())

    def _finish_step(self) -> None:
        """The play ended; it is shown as done once the next play is not its next batch."""
        state = self.current
        if state is None:
            return
        self.current = None
        self._message_of, self._list = None, None
        if state.announced:
            self._pending = state

    def _flush(self) -> None:
        state, self._pending = self._pending, None
        if state is None:
            return
        self.done.append(state)
        ok = len(state.hosts - state.failed)
        # A step's play can reach more hosts than the step names (a backup policy's play
        # also prepares its backup server): count what it reached.
        # A play that is no step (the preflight, on the control node) counts what it reached.
        total = len(state.hosts) if state.step == "-" else max(state.total, len(state.hosts))
        text = (f"{self._clock()} {state.step} done: {ok}/{total} hosts ok"
                + (f", failed: {', '.join(sorted(state.failed))}" if state.failed else ""))
        self._say(text)

    def _say(self, text: str) -> None:
        if self.mode == "quiet":
            return
        if self._live is not None:
            self._live.print(text)
            return
        self.stream.write(text + "\n")
        self.stream.flush()


def _json_text(value: str) -> str:
    """A JSON string as its text; anything else as printed."""
    try:
        loaded = json.loads(value)
    except ValueError:
        return value
    return loaded if isinstance(loaded, str) else value


class _RichLine:
    """A live status line under the lines already printed (rich, on a terminal)."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        self._text = Text
        self.console = Console(file=stream)
        self.live = Live(Text(""), console=self.console, transient=True,
                         refresh_per_second=8)
        self.live.start()

    def show(self, text: str) -> None:
        self.live.update(self._text(text))

    def print(self, text: str) -> None:
        self.console.print(self._text(text))

    def stop(self) -> None:
        self.live.stop()
