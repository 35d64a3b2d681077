"""The installation plan as a change request: what it says about impact, pre-change backups,
the window's clock and the latest backout comes from ``plan.change``, and the commands it
gives exist in the generated project."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sigen.build import Rendered, render_blueprint
from sigen.compile.change import _clock
from sigen.plan import Clock
from tests.conftest import REPO, ROLES

HYBRID = REPO / "blueprints" / "hybrid-cloud.yml"
IN_SERVICE = "  in_service: [loadbalancer, web, cache, database, database-standby, monitoring]\n"


def _variant(tmp_path: Path, old: str, new: str, name: str = "parts.yml") -> Rendered:
    text = HYBRID.read_text()
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return render_blueprint(path, ROLES)


def _doc(rendered: Rendered, lang: str = "en") -> str:
    return rendered.files[f"docs/{lang}/installation-plan.md"].decode()


@pytest.fixture(scope="module")
def hybrid() -> Rendered:
    return render_blueprint(HYBRID, ROLES)


def test_the_windows_clock_wraps_past_midnight() -> None:
    assert _clock("23:00", 0) == Clock("23:00", 0)
    assert _clock("23:00", 65) == Clock("00:05", 1)
    assert _clock("22:30", 24 * 60 + 90) == Clock("00:00", 2)
    assert _clock("", 30) == Clock("")


def test_every_impact_is_a_row_with_its_step_and_time(hybrid: Rendered) -> None:
    change = hybrid.plan.change
    assert change is not None and change.impacts
    starts = {t.step: t.starts_at.time for t in change.schedule}
    for lang in ("en", "zh-TW"):
        doc = _doc(hybrid, lang)
        for impact in change.impacts:
            row = re.search(rf"^\| {re.escape(impact.service)} \| [^|]+ \| {impact.step} \| "
                            rf"[^|]*{starts[impact.step]}[^|]*\|", doc, re.MULTILINE)
            assert row, (lang, impact.service)
    # The services in use are the blueprint's, and each is configured by the step named.
    steps = {s.id: s for s in hybrid.plan.install}
    for impact in change.impacts:
        service = steps[impact.step].service
        assert service is not None and service.name == impact.service


def test_a_store_this_change_installs_cannot_back_up_first(hybrid: Rendered) -> None:
    change = hybrid.plan.change
    assert change is not None
    assert change.pre_change_backups == ()
    assert {(u.service, u.store) for u in change.in_service_unprotected} == \
        {("database", "bk01"), ("web", "bk01")}
    doc = _doc(hybrid)
    assert "its backup store bk01 is installed by this change" in doc
    assert "backup.yml --tags" not in doc


def test_a_store_in_service_backs_up_before_the_change(tmp_path: Path) -> None:
    rendered = _variant(tmp_path, IN_SERVICE, IN_SERVICE.replace("]", ", backup-store]"))
    change = rendered.plan.change
    assert change is not None
    assert change.pre_change_backups == ("BAK-001", "BAK-002")
    assert change.in_service_unprotected == ()
    for lang in ("en", "zh-TW"):
        command = re.search(r"`ansible-playbook -i (\S+) backup\.yml --tags ([A-Z0-9,-]+)`",
                            _doc(rendered, lang))
        assert command, lang
        assert command.group(2).split(",") == list(change.pre_change_backups)
    # The tags the plan gives are the tags of the backup plays the project has.
    tags = set()
    for entry in yaml.safe_load(rendered.files["backup.yml"]):
        path = entry.get("ansible.builtin.import_playbook", "")
        if path.startswith("playbooks/bak-"):
            tags |= set(yaml.safe_load(rendered.files[path])[0]["tags"])
    assert set(change.pre_change_backups) <= tags


def test_a_first_installation_is_low_risk(tmp_path: Path) -> None:
    rendered = _variant(tmp_path, IN_SERVICE, "")
    change = rendered.plan.change
    assert change is not None
    assert (change.risk, change.risk_factors, change.impacts) == ("low", (), ())
    assert "No service is in use yet" in _doc(rendered)
    assert "尚無使用中的服務" in _doc(rendered, "zh-TW")


def test_the_backout_column_follows_the_step_durations(hybrid: Rendered) -> None:
    change = hybrid.plan.change
    assert change is not None
    window = change.window_minutes
    doc = _doc(hybrid)
    for timed in change.schedule:
        # A backout after this step takes about as long as every step so far.
        assert timed.backout_by == window - timed.ends
        row = re.search(rf"^\| {timed.step} \| [^|]+ \| [^|]+ \| ([^|]+) \|$", doc, re.MULTILINE)
        assert row, timed.step
        assert row.group(1).strip().startswith(timed.backout_at.time or "**none")


def test_a_short_window_has_a_point_of_no_return(tmp_path: Path) -> None:
    rendered = _variant(tmp_path, "    duration: 4h\n", "    duration: 1h\n")
    change = rendered.plan.change
    assert change is not None
    assert not change.fits_window and change.risk == "high"
    assert ("window", "") in change.risk_factors
    safe = [t.step for t in change.schedule if t.can_back_out]
    assert change.last_safe_step == safe[-1]
    assert all(t.backout_at.time == "" for t in change.schedule if not t.can_back_out)
    doc = _doc(rendered)
    assert f"After {change.last_safe_step} a complete backout no longer fits the window" in doc
    assert "**none inside the window**" in doc
    assert re.search(r"the steps take [^,]+, longer than the window of 1 h;", doc)
