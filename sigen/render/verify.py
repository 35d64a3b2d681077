"""verify.yml: the plan's TST- checks (``sigen.plan.checks``) as one data-driven play.

One play on every host, the checks as play data keyed by host, and one looped task per
kind of check, so a run takes a handful of tasks whatever the size of the system (a play
per host would run the hosts one after another). Every check task keeps going when a
check fails (``ignore_errors`` with the result registered), so one run reports every
check; the hardening baseline's controls are read from each host in a few commands and
judged in one controller-side step per kind; the play then collects the outcomes,
writes them to ``sigen_verify_output`` on the controller when that is set (``sigen
verify`` sets it), and fails each host that failed a check, so a plain
``ansible-playbook verify.yml`` (AWX, a user's CI) fails too.
"""

from __future__ import annotations

from typing import Any

from sigen.plan import Check, Jinja, Plan
from sigen.plan.checks import BASELINE_KINDS
from sigen.render.memo import recalled
from sigen.render.yamlout import Recalled, dump

__all__ = ["render_verify"]

_MINE = Jinja("{{ sigen_checks | selectattr('kind', 'in', KINDS) }}")

# Observed text: what the module said when the check failed, else what was seen.
_COLLECT = Jinja("""\
{%- set out = [] -%}
{%- for r in sigen_tst | map(attribute='results', default=[]) | flatten -%}
{%- if r.item is defined and r.item.id is defined -%}
{%- set failed = r.failed | default(false) -%}
{%- set said = (r.stdout | default('') | trim) or (r.stderr | default('') | trim) -%}
{%- if said -%}{%- set seen = said.splitlines() | join(', ') -%}
{%- elif failed or r.elapsed is not defined -%}{%- set seen = r.msg | default('') | string -%}
{%- elif r.item.kind == 'refused' -%}{%- set seen = 'no connection (' ~ r.elapsed ~ ' s)' -%}
{%- else -%}{%- set seen = 'connected in ' ~ r.elapsed ~ ' s' -%}{%- endif -%}
{%- set _ = out.append({'id': r.item.id, 'passed': not failed, 'observed': seen}) -%}
{%- endif -%}
{%- endfor -%}
{{ out }}""")


def _loop(kinds: list[str]) -> Jinja:
    return Jinja(_MINE.replace("KINDS", repr(kinds)))


def _baseline(kind: str) -> Jinja:
    return Jinja(f"{{{{ sigen_baseline | selectattr('kind', 'eq', {kind!r}) }}}}")


def _settings(kind: str) -> str:
    """The settings of the baseline's checks of ``kind``, as a Jinja list expression."""
    return (f"(sigen_baseline | selectattr('kind', 'eq', {kind!r})"
            " | map(attribute='setting') | list)")


def _reader(name: str, argv: str, register: str, **extra: Any) -> dict[str, Any]:
    """A command that reads the baseline's settings from the host; never fails the play."""
    return {"name": name, "ansible.builtin.command": {"argv": Jinja("{{ " + argv + " }}")},
            **extra, "register": register, "changed_when": False, "failed_when": False}


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _as_expression(template: str) -> str:
    """A message template ("text {{ expr }} text") as one Jinja expression."""
    parts, rest = [], template
    while rest:
        start = rest.find("{{")
        if start < 0:
            parts.append(_quoted(rest))
            break
        if start:
            parts.append(_quoted(rest[:start]))
        end = rest.index("}}", start)
        parts.append("(" + rest[start + 2:end].strip() + ")")
        rest = rest[end + 2:]
    return "\n     ~ ".join(parts)


def _baseline_verdicts(kind: str, name: str, values: dict[str, Jinja], that: str, fail: str,
                       success: str) -> dict[str, Any]:
    """The baseline's checks of ``kind`` judged in one step on the controller: per check,
    ``values`` (what the host shows, in order) against its expected value, and the message
    ``success`` or ``fail``. Registered as sigen_tst_KIND in the shape of a looped task's
    result (``results``: item, failed, msg), which the outcomes are collected from. One
    task instead of an assert per check and host: 89 looped asserts took 26 ms each of
    the controller's time on every host (1.3 s per host for the kernel parameters alone)."""
    lines = ["{%- set out = [] -%}",
             f"{{%- for item in sigen_baseline | selectattr('kind', 'eq', {kind!r}) -%}}"]
    for var, value in values.items():
        expression = str(value).strip().removeprefix("{{").removesuffix("}}").strip()
        lines.append(f"{{%- set {var} = ({expression}) -%}}")
    lines += [f"{{%- set passed = ({that}) -%}}",
              "{%- set _ = out.append({'item': item, 'failed': not passed, 'msg':",
              f"     ({_as_expression(success)})",
              f"     if passed else ({_as_expression(fail)})}}) -%}}",
              "{%- endfor -%}",
              "{{ {'results': out} }}"]
    return {"name": name,
            "ansible.builtin.set_fact": {f"sigen_tst_{kind}": Jinja("\n".join(lines))}}


# Each kernel parameter of the arguments: its live value, whether this host can set it
# (a container's /proc/sys is read-only: the lab machine's kernel owns it) and the value the
# host sets at boot, the last assignment systemd-sysctl applies (exact keys; the files in
# its order, as systemd-analyze cat-config prints them). One JSON object on stdout.
_SYSCTL_SCRIPT = """\
conf=$(systemd-analyze cat-config sysctl.d 2>/dev/null)
sep='{'
for key in "$@"; do
  path=/proc/sys/$(printf '%s' "$key" | tr . /)
  if [ ! -e "$path" ]; then access=absent live=
  elif [ -w "$path" ]; then access=writable live=$(tr -s '\\t' ' ' < "$path")
  else access=readonly live=$(tr -s '\\t' ' ' < "$path"); fi
  boot=$(printf '%s\\n' "$conf" | awk -v want="$key" '
    /^[ \\t]*[#;]/ || index($0, "=") == 0 { next }
    { k = substr($0, 1, index($0, "=") - 1); v = substr($0, index($0, "=") + 1)
      gsub(/^[ \\t-]+|[ \\t]+$/, "", k); gsub(/\\//, ".", k); gsub(/^[ \\t]+|[ \\t]+$/, "", v)
      if (k == want) found = v }
    END { printf "%s", found }')
  printf '%s"%s": {"access": "%s", "live": "%s", "boot": "%s"}' \\
    "$sep" "$key" "$access" "$live" "$boot"
  sep=', '
done
[ "$sep" = '{' ] && printf '{'
echo '}'
"""


# Each kernel module of the arguments, one line "MODULE DENIED LOADED INSTALL": whether a
# blacklist line names it, whether it is loaded (unknown in a container, whose /proc/modules
# is the lab machine's kernel's) and the command modprobe runs instead of loading it (the
# first install line of the files in modprobe.d(5)'s folders; "-" for none).
_MODPROBE_SCRIPT = """\
conf=$(cat /etc/modprobe.d/*.conf /run/modprobe.d/*.conf /usr/local/lib/modprobe.d/*.conf \\
  /usr/lib/modprobe.d/*.conf 2>/dev/null | sed 's/#.*//')
inside=no
systemd-detect-virt --quiet --container 2>/dev/null && inside=yes
for m in "$@"; do
  install=$(printf '%s\\n' "$conf" | awk -v m="$m" '
    $1 == "install" && $2 == m { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }')
  deny=no
  printf '%s\\n' "$conf" | awk -v m="$m" '$1 == "blacklist" && $2 == m { f = 1 } END { exit !f }' \\
    && deny=yes
  if [ "$inside" = yes ]; then loaded=unknown
  elif grep -q "^$(printf '%s' "$m" | tr - _) " /proc/modules; then loaded=yes
  else loaded=no; fi
  printf '%s %s %s %s\\n' "$m" "$deny" "$loaded" "${install:--}"
done
"""


def _label() -> dict[str, Any]:
    return {"label": Jinja("{{ item.id }} {{ item.subject }}"
                           "{{ (' ' ~ item.target ~ ':' ~ item.port) if item.target is defined"
                           " else '' }}")}


def _check_tasks() -> list[dict[str, Any]]:
    sshd_value = Jinja("{{ (sigen_sshd.stdout_lines | default([])\n"
                       "    | select('match', item.setting ~ ' ') | first\n"
                       "    | default(item.setting ~ ' (not set)')).split(' ', 1)[1] }}")
    # The last uncommented line of the key, as login.defs reads it.
    login_value = Jinja("{{ ((sigen_login_defs.content | default('') | b64decode).splitlines()\n"
                        "    | map('trim') | select('match', item.setting ~ '\\s')\n"
                        "    | list | last | default(item.setting ~ ' (not set)')).split()[1]"
                        " }}")
    banner_text = Jinja("{{ (sigen_banners.results | selectattr('item.id', 'eq', item.id)\n"
                        "    | map(attribute='content') | first | default('')) | b64decode }}")
    mode = Jinja("{{ (sigen_modes.stdout_lines | default([])\n"
                 "    | select('match', (item.setting ~ ' ') | regex_escape) | first\n"
                 "    | default(item.setting ~ ' missing'))[item.setting | length + 1:] }}")
    modprobe_values = {
        "sigen_module": Jinja(
            "{{ (sigen_modprobe.stdout_lines | default([])\n"
            "    | select('match', (item.setting ~ ' ') | regex_escape) | first\n"
            "    | default(item.setting ~ ' no unknown -')).split(' ', 3) }}"),
        "sigen_module_seen": Jinja(
            "{{ 'install ' ~ sigen_module[3] ~ ', '\n"
            "   ~ ('blacklisted' if sigen_module[1] == 'yes' else 'not blacklisted')\n"
            "   ~ {'yes': ', loaded', 'no': ', not loaded'}.get(sigen_module[2],\n"
            "     ' (loaded or not: the host kernel owns it)') }}")}
    sysctl_values = {"sigen_sysctl_seen": Jinja(
        "{{ (sigen_sysctl.stdout | default('{}', true) | from_json).get(item.setting, {}) }}")}
    sysctl_values.update({f"sigen_sysctl_{part}": Jinja(
        f"{{{{ sigen_sysctl_seen.{part} | default('') }}}}")
        for part in ("boot", "live", "access")})
    sysctl_values["sigen_sysctl_note"] = Jinja(
        "{{ ' live and at boot' if sigen_sysctl_access == 'writable'\n"
        "   else ' at boot; live ' ~ sigen_sysctl_live\n"
        "        ~ ', read-only here (the host kernel owns it)'\n"
        "   if sigen_sysctl_access == 'readonly' else ' at boot (no such parameter here)' }}")
    return [
        {
            "name": "TST Services answer and declared flows reach their targets",
            "ansible.builtin.wait_for": {"host": Jinja("{{ item.target }}"),
                                         "port": Jinja("{{ item.port }}"), "timeout": 5},
            "loop": _loop(["port", "flow"]),
            "loop_control": _label(),
            "register": "sigen_tst_connect",
            "ignore_errors": True,
        },
        {
            # state=stopped succeeds while no connection can be made: refused or dropped.
            "name": "TST Undeclared connections are refused by the target's firewall",
            "ansible.builtin.wait_for": {"host": Jinja("{{ item.target }}"),
                                         "port": Jinja("{{ item.port }}"), "state": "stopped",
                                         "timeout": 4, "connect_timeout": 2},
            "loop": _loop(["refused"]),
            "loop_control": _label(),
            "register": "sigen_tst_refused",
            "ignore_errors": True,
        },
        {
            "name": "Read the settings sshd runs with",
            "ansible.builtin.command": {"argv": ["sshd", "-T"]},
            "register": "sigen_sshd",
            "changed_when": False,
            "failed_when": False,
        },
        # sshd -T prints prohibit-password under its old name.
        _baseline_verdicts(
            "ssh", "TST BL sshd runs with the baseline's settings",
            {"sigen_sshd_value": sshd_value}, "sigen_sshd_value == (item.expected | string"
            " | replace('prohibit-password', 'without-password'))",
            "sshd -T: {{ item.setting }} {{ sigen_sshd_value }}, expected {{ item.expected }}",
            "sshd -T: {{ item.setting }} {{ sigen_sshd_value }}"),
        {
            "name": "Read login.defs",
            "ansible.builtin.slurp": {"src": "/etc/login.defs"},
            "register": "sigen_login_defs",
            "failed_when": False,
        },
        _baseline_verdicts(
            "login", "TST BL login.defs holds the baseline's password aging and umask",
            {"sigen_login_value": login_value}, "sigen_login_value == item.expected | string",
            "login.defs: {{ item.setting }} {{ sigen_login_value }}, expected {{ item.expected }}",
            "login.defs: {{ item.setting }} {{ sigen_login_value }}"),
        {
            "name": "Read the login banners",
            "ansible.builtin.slurp": {"src": Jinja("{{ item.setting }}")},
            "loop": _baseline("banner"),
            "loop_control": {"label": Jinja("{{ item.setting }}")},
            "register": "sigen_banners",
            "failed_when": False,
        },
        _baseline_verdicts(
            "banner", "TST BL The login banners say what the blueprint says",
            {"sigen_banner_text": banner_text}, "sigen_banner_text == item.expected ~ '\\n'",
            "{{ item.setting }}: {{ sigen_banner_text | trim | truncate(80) or 'missing' }}",
            "{{ item.setting }}: the banner ({{ sigen_banner_text | length }} characters)"),
        {
            # A fresh login session's limit, as pam_limits sets it (runuser -l opens one):
            # the connection Ansible reuses may predate the limits the deploy wrote.
            "name": "TST BL Login sessions have the baseline's hard limits",
            "ansible.builtin.command": {"argv": ["runuser", "-l", "root", "-c",
                                                 Jinja("ulimit -H{{ item.setting }}")]},
            "loop": _baseline("limit"),
            "loop_control": {"label": Jinja("{{ item.id }} ulimit -H{{ item.setting }}")},
            "register": "sigen_tst_limit",
            "changed_when": False,
            "failed_when": Jinja("sigen_tst_limit.stdout | trim != item.expected | string"),
            "ignore_errors": True,
        },
        _reader("Read the owner, group and mode of the baseline's files",
                "['stat', '-c', '%n %U %G %a'] + " + _settings("mode"), "sigen_modes"),
        _baseline_verdicts(
            "mode", "TST BL Only root can change the baseline's files", {"sigen_mode_value": mode},
            "sigen_mode_value == item.expected",
            "{{ item.setting }}: {{ sigen_mode_value }}, expected {{ item.expected }}",
            "{{ item.setting }}: {{ sigen_mode_value }}"),
        _reader("Read whether the baseline's kernel modules can be loaded",
                "['/bin/sh', '-c', sigen_modprobe_script, 'modprobe']\n   + "
                + _settings("modprobe"), "sigen_modprobe",
                vars={"sigen_modprobe_script": _MODPROBE_SCRIPT}),
        # modprobe's /bin/true is as good as /bin/false: either way nothing is loaded.
        _baseline_verdicts(
            "modprobe", "TST BL The unused kernel modules cannot be loaded", modprobe_values,
            "sigen_module[3] in ['/bin/false', '/bin/true'] and sigen_module[1] == 'yes'"
            " and sigen_module[2] != 'yes'",
            "{{ item.setting }}: {{ sigen_module_seen }}, expected {{ item.expected }}",
            "{{ item.setting }}: {{ sigen_module_seen }}"),
        _reader("Read the kernel parameters: live, whether this host sets them, at boot",
                "['/bin/sh', '-c', sigen_sysctl_script, 'sysctl']\n   + " + _settings("sysctl"),
                "sigen_sysctl", vars={"sigen_sysctl_script": _SYSCTL_SCRIPT}),
        # Where the host owns its kernel, the live value and the boot value; in a container
        # the boot value alone, said in the observed text (the lab report lists it).
        _baseline_verdicts(
            "sysctl", "TST BL The kernel parameters are the baseline's", sysctl_values,
            "sigen_sysctl_boot == item.expected | string\nand (sigen_sysctl_access != 'writable'"
            " or sigen_sysctl_live == item.expected | string)",
            "{{ item.setting }}: {{ sigen_sysctl_boot or 'not set' }} at boot, live"
            " {{ sigen_sysctl_live or '-' }}{{ ' (read-only here)'\n"
            "   if sigen_sysctl_access == 'readonly' else '' }}, expected {{ item.expected }}",
            "{{ item.setting }} = {{ sigen_sysctl_boot }}{{ sigen_sysctl_note }}"),
        {
            # Up to 30 tries a second apart: a host deployed a moment ago may still be
            # selecting its source.
            "name": "TST The clock is synchronised (chrony)",
            "ansible.builtin.command": {"argv": ["chronyc", "-n", "waitsync", "30", "0", "0",
                                                 "1"]},
            "loop": _loop(["time"]),
            "loop_control": {"label": Jinja("{{ item.id }}")},
            "register": "sigen_tst_time",
            "changed_when": False,
            "ignore_errors": True,
        },
        {
            "name": "TST Backup timers are enabled and active",
            "ansible.builtin.command": {"argv": [
                "systemctl", "show", Jinja("{{ item.unit }}"), "--property=UnitFileState",
                "--property=ActiveState"]},
            "loop": _loop(["backup"]),
            "loop_control": {"label": Jinja("{{ item.id }} {{ item.subject }}")},
            "register": "sigen_tst_backup",
            "changed_when": False,
            "failed_when": Jinja("'UnitFileState=enabled' not in sigen_tst_backup.stdout"
                                 " or 'ActiveState=active' not in sigen_tst_backup.stdout"),
            "ignore_errors": True,
        },
    ]


def _outcome_tasks() -> list[dict[str, Any]]:
    # The TST- kinds, then the baseline's (on a line of their own: yamllint's line length).
    registered = (", ".join(f"sigen_tst_{k}" for k in ("connect", "refused", "time", "backup"))
                  + ",\n    " + ", ".join(f"sigen_tst_{k}" for k in BASELINE_KINDS))
    return [
        {
            "name": "Collect the outcome of every check on this host",
            "ansible.builtin.set_fact": {"sigen_verify_results": _COLLECT},
            "vars": {"sigen_tst": Jinja("{{ [" + registered + "] }}")},
        },
        {
            "name": "Write the outcomes for sigen verify",
            "ansible.builtin.copy": {
                "content": Jinja("{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all\n"
                                 "    | map('extract', hostvars, 'sigen_verify_results')\n"
                                 "    | map('default', []))) | to_nice_json }}"),
                "dest": Jinja("{{ sigen_verify_output }}"),
                "mode": "0644",
            },
            "delegate_to": "localhost",
            "become": False,
            "run_once": True,
            "when": Jinja("sigen_verify_output is defined"),
        },
        {
            "name": "Fail the host when a check failed",
            "ansible.builtin.assert": {
                "that": [Jinja("sigen_verify_results | rejectattr('passed') | list | length"
                               " == 0")],
                "fail_msg": Jinja("Failed: {{ sigen_verify_results | rejectattr('passed')"
                                  " | map(attribute='id') | join(', ') }}"),
                "success_msg": Jinja("{{ sigen_verify_results | length }} checks passed"),
                "quiet": True,
            },
        },
    ]


def render_verify(plan: Plan, stamp: str, preflight: dict[str, Any]) -> bytes:
    """verify.yml of the plan, after the ``preflight`` play; in an incremental build, the
    text made last time for the same checks (the play is the checks, the preflight and the
    blueprint's name, nothing else): keying the 160,000 checks of 10,000 hosts costs half of
    turning them into play data."""
    found = plan.checks
    name = plan.blueprint.name
    baseline = [dict(c) for c in plan.baseline.checks]
    return recalled(found, f"verify.yml\0{name}\0{stamp}\0{preflight!r}\0{baseline!r}",
                    lambda: _verify_text(name, found, baseline, stamp, preflight)).encode()


def _verify_text(name: str, found: tuple[Check, ...], baseline: list[dict[str, Any]],
                 stamp: str, preflight: dict[str, Any]) -> str:
    by_host: dict[str, Recalled] = {}
    for check in found:
        mine = by_host.get(check.host)
        if mine is None:
            mine = by_host[check.host] = Recalled()
        mine.append(check.as_vars())
    span = f"{found[0].id} to {found[-1].id}" if found else "no checks"
    play = {
        "name": f"Verify what the blueprint of {name} promises ({span}, and the hardening"
                f" baseline)",
        "hosts": "all",
        "gather_facts": False,
        "tags": ["verify"],
        "vars": {
            "sigen_checks": Jinja("{{ sigen_verify_checks[inventory_hostname] | default([]) }}"),
            "sigen_verify_checks": by_host,
            # The same on every host: each control of the hardening baseline.
            "sigen_baseline": baseline,
        },
        "tasks": _check_tasks() + _outcome_tasks(),
    }
    return dump([preflight, play], stamp, remember=False)
