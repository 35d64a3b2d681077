"""Every backup schedule the blueprint allows becomes a systemd OnCalendar value that
systemd-analyze accepts and that elapses exactly as the backup plan says: at the stated
minute, hour and weekday, in the stated time zone, evenly spaced by the interval."""

from __future__ import annotations

import datetime
import itertools
import os
import re
import shutil
import subprocess
import zoneinfo
from pathlib import Path

import pytest

from sigen.compile.loader import load_text
from sigen.compile.planner import on_calendar
from sigen.compile.validate import validate_blueprint
from tests.conftest import REPO, ROLES

FORMS = [("15m", ""), ("15m", "00:05"), ("30m", "00:10"), ("1m", ""), ("1h", "00:45"),
         ("4h", "00:15"), ("6h", "02:30"), ("12h", ""), ("1d", "01:30"), ("1d", "23:59"),
         ("1w", "03:00")]
ZONES = ["", "Asia/Taipei", "UTC", "America/New_York"]
_ELAPSE = re.compile(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC")
_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                reason="needs systemd-analyze (systemd)")


def _elapses(spec: str) -> list[datetime.datetime]:
    run = subprocess.run(["systemd-analyze", "calendar", "--iterations=6", spec],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "TZ": "UTC"})
    return [datetime.datetime.fromisoformat(t).replace(tzinfo=datetime.UTC)
            for t in _ELAPSE.findall(run.stdout)]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("every", "at"), FORMS)
def test_the_timer_elapses_as_the_plan_says(every: str, at: str, zone: str) -> None:
    spec = on_calendar(every, at, zone)
    times = _elapses(spec)
    assert len(times) == 6, spec
    here = zoneinfo.ZoneInfo(zone or "UTC")  # the hosts' zone when none is given: here UTC
    amount, unit = int(every[:-1]), every[-1]
    hour, minute = (int(x) for x in (at or "00:00").split(":"))
    for when in (t.astimezone(here) for t in times):
        if unit == "m":
            assert when.minute % amount == minute % amount, (spec, when)
        else:
            assert when.minute == minute, (spec, when)
        if unit == "h":
            assert when.hour % amount == hour % amount, (spec, when)
        if unit in ("d", "w"):
            assert when.hour == hour, (spec, when)
        if unit == "w":
            assert when.weekday() == 0, (spec, when)  # Mondays, as the plan says
    gaps = {int((b - a).total_seconds()) for a, b in itertools.pairwise(times)}
    # Evenly spaced, except a day that a daylight-saving change makes 23 or 25 hours.
    assert gaps <= {amount * _SECONDS[unit], amount * _SECONDS[unit] + 3600,
                    amount * _SECONDS[unit] - 3600}, (spec, gaps)


@pytest.mark.parametrize("every", ["5h", "7m", "2d", "2w", "45m", "9h"])
def test_intervals_a_calendar_cannot_keep_are_refused(every: str) -> None:
    text = (REPO / "blueprints" / "onprem-physical.yml").read_text()
    changed = re.sub(r"schedule: \{every: 1d", f"schedule: {{every: {every}", text, count=1)
    assert changed != text
    diags = validate_blueprint(load_text(Path("x.yml"), changed.encode()), ROLES)
    assert [d.code for d in diags if d.code != "SG602"] == ["SG107"], diags  # (RPO too)
    assert "cannot be kept by a calendar timer" in diags[0].message


def test_the_plan_and_the_timer_say_the_same_schedule() -> None:
    """The job's OnCalendar is what the role gets and what the backup plan prints, in the
    time zone of the maintenance window."""
    from sigen.build import render_blueprint

    rendered = render_blueprint(REPO / "blueprints" / "onprem-physical.yml", ROLES)
    job = rendered.plan.backups[0]
    assert job.on_calendar == "*-*-* 01:30:00 Asia/Taipei"
    assert job.check_calendar == "Sun *-*-* 04:00:00 Asia/Taipei"
    doc = rendered.files["docs/en/backup-restore-plan.md"].decode()
    assert f"`OnCalendar={job.on_calendar}`" in doc
    play = rendered.files[f"playbooks/{job.install_id.lower()}.yml"].decode()
    assert f"backup_client_schedule: \"{job.on_calendar}\"" in play
