"""The patch window: the updates and reboots the hosts do by themselves happen inside the
maintenance window (SG607 otherwise), and the installation plan states when, from the same
plan fact the hardening role is wired with."""

from __future__ import annotations

import pytest

from sigen.build import render_blueprint
from sigen.compile.patching import PATCH_MINUTES, window_day
from tests.conftest import REPO, ROLES

BLUEPRINTS = sorted((REPO / "blueprints").glob("*.yml"))


@pytest.mark.parametrize(("days", "opens", "length", "day", "at", "inside"), [
    (["sat"], "22:00", 240, "sun", "00:30", "sat"),  # past midnight, in Saturday's window
    (["sat"], "22:00", 240, "sun", "01:30", ""),  # the hour would end at 02:30
    (["sat"], "22:00", 240, "sun", "03:00", ""),
    (["sun"], "23:30", 120, "mon", "00:00", "sun"),  # Sunday's window runs into Monday
    (["mon", "thu"], "01:00", 60, "thu", "01:00", "thu"),
    (["mon"], "01:00", 59, "mon", "01:00", ""),  # shorter than the patch hour
])
def test_the_patch_hour_must_fit_a_maintenance_window(days: list[str], opens: str, length: int,
                                                      day: str, at: str, inside: str) -> None:
    assert PATCH_MINUTES == 60
    assert window_day(days, opens, length, day, at) == inside


@pytest.mark.parametrize("blueprint", BLUEPRINTS, ids=lambda p: p.stem)
def test_the_plan_states_the_window_the_hosts_are_given(blueprint: object) -> None:
    rendered = render_blueprint(blueprint, ROLES)  # type: ignore[arg-type]
    window = rendered.plan.patching
    assert window is not None and window.in_window
    # The hardening role's variables of every environment (the inventory's group vars).
    given = rendered.plan.ansible.inventory_vars["production"]
    days = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri",
            "sat": "Sat", "sun": "Sun"}
    assert given["hardening_patch_window"] == f"{days[window.day]} *-*-* {window.start}"
    assert given["hardening_patch_window_randomized_delay"] == f"{window.spread_minutes}m"
    # Rolling: patch.yml reboots, batch by batch (tests/test_patch_plan.py).
    assert given["hardening_auto_reboot"] is (window.reboot == "when-required"
                                              and not window.rolling)
    assert given["hardening_auto_reboot_time"] == "now"  # inside the hour, never the next day
    en = rendered.files["docs/en/installation-plan.md"].decode()
    row = next(line for line in en.splitlines() if line.startswith("| Patch window |"))
    assert f"{window.start} to {window.ends}" in row and "inside the maintenance window" in row
    assert (f"within {window.spread_minutes} minutes" in row) is not window.rolling
    assert ("`patch.yml`, started at " + window.start in row) is window.rolling
    zh = rendered.files["docs/zh-TW/installation-plan.md"].decode()
    row = next(line for line in zh.splitlines() if line.startswith("| 修補時段 |"))
    assert window.start in row and window.ends in row and "維護時段內" in row
