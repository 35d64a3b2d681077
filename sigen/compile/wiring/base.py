"""common and hardening: administrators, time zone, SSH policy and the patch window."""

from __future__ import annotations

from typing import Any

from sigen.plan import Environment, Plan, Security

# security.patching.updates: all - every origin of the release, as Debian's own
# 50unattended-upgrades lists them (updates, point releases, security).
ALL_UPDATES = (
    "origin=Debian,codename=${distro_codename},label=Debian",
    "origin=Debian,codename=${distro_codename}-updates",
    "origin=Debian,codename=${distro_codename}-security,label=Debian-Security",
)
_DAYS = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri",
         "sat": "Sat", "sun": "Sun"}


def common(plan: Plan) -> dict[str, Any]:
    bp = plan.blueprint
    out: dict[str, Any] = {
        "common_admin_users": [
            {"name": a.name, "ssh_public_keys": list(a.ssh_keys), "sudo": a.sudo}
            for a in bp.security.admins
        ],
    }
    # Hosts keep the time of the people who run them: the maintenance window, backup and
    # patch times in the plans are all in this zone.
    if bp.change is not None:
        out["common_timezone"] = bp.change.timezone
    return out


def root_login(security: Security, env: Environment) -> str:
    """sshd PermitRootLogin: 'denied' shuts root out, except where Ansible itself is root."""
    if security.root_login == "denied" and env.user not in (None, "root"):
        return "no"
    return "prohibit-password"


def hardening(plan: Plan, env: Environment) -> dict[str, Any]:
    sec = plan.blueprint.security
    out: dict[str, Any] = {
        "hardening_ssh_port": sec.ssh_port,
        "hardening_ssh_permit_root_login": plan.root_login[env.name],
        # The baseline, control by control (exceptions applied): the same values the
        # verification checklist states and verify.yml checks.
        **plan.baseline.options(),
    }
    window = plan.patching
    if window is not None:
        out["hardening_patch_window"] = f"{_DAYS[window.day]} *-*-* {window.start}"
        out["hardening_patch_window_randomized_delay"] = f"{window.spread_minutes}m"
        out["hardening_auto_reboot"] = window.reboot == "when-required"
        # At once when the updates are in, so inside the window: a fixed time would be the
        # next day's once an upgrade ran past it (unattended-upgrades runs shutdown -r HH:MM).
        out["hardening_auto_reboot_time"] = "now"
        if window.updates == "all":
            out["hardening_unattended_origins_patterns"] = list(ALL_UPDATES)
        if window.rolling:
            # patch.yml installs the updates and reboots, batch by batch: a host doing
            # either by itself would leave its load balancer's pool at any moment.
            out["hardening_unattended_upgrades"] = False
            out["hardening_auto_reboot"] = False
    return out
