"""``sigen completion bash|zsh|fish``: shell completion, generated from the parser itself.

Every command, lab action, option and choice comes from the same ``argparse`` parser the
command line uses, so completion cannot fall behind a new option. Options that take a
folder complete folders; other values and positionals complete file names (a blueprint).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Command", "add_commands", "commands_of", "run", "script"]

SHELLS = ("bash", "zsh", "fish")


@dataclass
class Option:
    flags: list[str]
    help: str
    takes_value: bool
    choices: list[str] = field(default_factory=list)
    folder: bool = False


@dataclass
class Command:
    """A command (``build``) or lab action (``lab up``) with its options and what its
    positional arguments complete to (choices, or files when empty)."""

    name: str
    help: str
    options: list[Option]
    positional_choices: list[str] = field(default_factory=list)
    actions: list[Command] = field(default_factory=list)


def add_commands(sub: Any) -> None:
    from sigen.cli.help import describe

    cmd = sub.add_parser("completion", **describe(
        "completion", "print the shell completion script for bash, zsh or fish",
        examples=["source <(sigen completion bash)          # in ~/.bashrc",
                  "sigen completion zsh > ~/.zfunc/_sigen   # with fpath+=(~/.zfunc)",
                  "sigen completion fish > ~/.config/fish/completions/sigen.fish"],
        codes={0: "the script was printed"}))
    cmd.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")


def _sub_actions(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: a.help or "" for a in action._choices_actions}
    return {}


def _command(name: str, parser: argparse.ArgumentParser, text: str) -> Command:
    options, choices = [], []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings:
            options.append(Option(
                list(action.option_strings), (action.help or "").replace("%%", "%"),
                action.nargs != 0, [str(c) for c in action.choices or ()],
                action.metavar == "DIR"))
        elif action.choices:
            choices = [str(c) for c in action.choices]
    helps = _helps(parser)
    actions = [_command(f"{name} {sub}", p, helps.get(sub, ""))
               for sub, p in _sub_actions(parser).items()]
    return Command(name, text, options, choices, actions)


def commands_of(parser: argparse.ArgumentParser) -> list[Command]:
    """The top level (name ``""``) first, then every command."""
    helps = _helps(parser)
    top = _command("", parser, parser.description or "")
    return [top, *(_command(name, p, helps.get(name, ""))
                   for name, p in _sub_actions(parser).items())]


def _words(items: list[str]) -> str:
    return " ".join(items)


def _bash(commands: list[Command]) -> str:
    top, rest = commands[0], commands[1:]
    everything = [c for cmd in rest for c in (cmd, *cmd.actions)]
    lines = [
        "# bash completion for sigen (sigen completion bash; generated from its parser)",
        "_sigen() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local cmd="" i word',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        word="${COMP_WORDS[i]}"',
        '        [[ "$word" == -* ]] && continue',
        '        if [[ -z "$cmd" ]]; then cmd="$word"',
        '        elif [[ "$cmd" == lab ]]; then cmd="lab $word"; break',
        "        else break; fi",
        "    done",
        '    case "$cmd" in',
        f'        "") COMPREPLY=($(compgen -W "{_words([c.name for c in rest])} '
        f'{_words([f for o in top.options for f in o.flags])}" -- "$cur")); return ;;',
    ]
    for cmd in rest:
        if cmd.actions:
            lines.append(f'        {cmd.name}) COMPREPLY=($(compgen -W '
                         f'"{_words([a.name.split()[-1] for a in cmd.actions])}" -- "$cur"));'
                         " return ;;")
    lines += ["    esac", '    case "$cmd:$prev" in']
    for cmd in everything:
        for opt in cmd.options:
            if not opt.takes_value:
                continue
            pattern = "|".join(f'"{cmd.name}:{flag}"' for flag in opt.flags)
            if opt.choices:
                reply = f'COMPREPLY=($(compgen -W "{_words(opt.choices)}" -- "$cur"))'
            elif opt.folder:
                reply = 'COMPREPLY=($(compgen -d -- "$cur"))'
            else:
                reply = 'COMPREPLY=($(compgen -f -- "$cur"))'
            lines.append(f"        {pattern}) {reply}; return ;;")
    lines += ["    esac", '    if [[ "$cur" == -* ]]; then', '        case "$cmd" in']
    for cmd in everything:
        flags = [f for o in cmd.options for f in o.flags]
        lines.append(f'            "{cmd.name}") COMPREPLY=($(compgen -W "{_words(flags)}" '
                     '-- "$cur")) ;;')
    lines += ["        esac", "        return", "    fi", '    case "$cmd" in']
    for cmd in everything:
        if cmd.positional_choices:
            lines.append(f'        "{cmd.name}") COMPREPLY=($(compgen -W '
                         f'"{_words(cmd.positional_choices)}" -- "$cur")); return ;;')
    lines += ["    esac", '    COMPREPLY=($(compgen -f -- "$cur"))', "}",
              "complete -o filenames -o bashdefault -F _sigen sigen", ""]
    return "\n".join(lines)


def _zsh_quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "'\\''").replace("[", "\\[") \
        .replace("]", "\\]").replace(":", "\\:")


def _zsh_specs(cmd: Command) -> list[str]:
    specs = []
    for opt in cmd.options:
        names = opt.flags[0] if len(opt.flags) == 1 else "{" + ",".join(opt.flags) + "}"
        exclusive = f"({' '.join(opt.flags)})" if len(opt.flags) > 1 else ""
        value = ""
        if opt.takes_value:
            if opt.choices:
                value = f":value:({' '.join(opt.choices)})"
            elif opt.folder:
                value = ":folder:_files -/"
            else:
                value = ":file:_files"
        specs.append(f"'{exclusive}{names}[{_zsh_quote(opt.help)}]{value}'")
    if cmd.positional_choices:
        specs.append(f"'1:argument:({' '.join(cmd.positional_choices)})'")
    else:
        specs.append("'*:file:_files'")
    return specs


def _zsh(commands: list[Command]) -> str:
    rest = commands[1:]
    lines = ["#compdef sigen", "# zsh completion for sigen (sigen completion zsh; generated "
             "from its parser)", "", "_sigen() {", "    local -a commands actions",
             "    commands=("]
    lines += [f"        '{c.name}:{_zsh_quote(c.help)}'" for c in rest]
    lines += ["    )", "    _arguments -C \\",
              "        '(- *)'{-V,--version}'[show the version]' \\",
              "        '(- *)'{-h,--help}'[show the help]' \\",
              "        '1:command:->command' '*::argument:->argument'",
              "    case $state in", "        command) _describe command commands ;;",
              "        argument)", "            case $words[1] in"]
    for cmd in rest:
        if cmd.actions:
            lines.append(f"                {cmd.name})")
            lines.append("                    if (( CURRENT == 2 )); then")
            lines.append("                        actions=(" + " ".join(
                f"'{a.name.split()[-1]}:{_zsh_quote(a.help)}'" for a in cmd.actions) + ")")
            lines.append("                        _describe action actions")
            lines.append("                    else")
            lines.append("                        case $words[2] in")
            for action in cmd.actions:
                lines.append(f"                            {action.name.split()[-1]}) "
                             f"shift words; (( CURRENT-- )); _arguments "
                             f"{' '.join(_zsh_specs(action))} ;;")
            lines += [" " * 24 + "esac", " " * 20 + "fi", " " * 20 + ";;"]
        else:
            lines.append(f"                {cmd.name}) _arguments {' '.join(_zsh_specs(cmd))} ;;")
    lines += ["            esac", "            ;;", "    esac", "}", "", '_sigen "$@"', ""]
    return "\n".join(lines)


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(commands: list[Command]) -> str:
    rest = commands[1:]
    names = " ".join(c.name for c in rest)
    lines = ["# fish completion for sigen (sigen completion fish; generated from its parser)",
             "complete -c sigen -f",
             "complete -c sigen -n __fish_use_subcommand -s V -l version -d 'show the version'"]
    for cmd in rest:
        lines.append(f"complete -c sigen -n 'not __fish_seen_subcommand_from {names}' "
                     f"-a {cmd.name} -d {_fish_quote(cmd.help)}")
    for cmd in rest:
        targets = [(f"__fish_seen_subcommand_from {cmd.name}", cmd)] if not cmd.actions else []
        if cmd.actions:
            actions = " ".join(a.name.split()[-1] for a in cmd.actions)
            for action in cmd.actions:
                lines.append(f"complete -c sigen -n '__fish_seen_subcommand_from {cmd.name}; "
                             f"and not __fish_seen_subcommand_from {actions}' -a "
                             f"{action.name.split()[-1]} -d {_fish_quote(action.help)}")
                targets.append((f"__fish_seen_subcommand_from {cmd.name}; and "
                                f"__fish_seen_subcommand_from {action.name.split()[-1]}",
                                action))
        for condition, target in targets:
            for opt in target.options:
                flags = " ".join(f"-l {f[2:]}" if f.startswith("--") else f"-s {f[1:]}"
                                 for f in opt.flags)
                value = ""
                if opt.takes_value:
                    value = f" -x -a {_fish_quote(' '.join(opt.choices))}" if opt.choices \
                        else (" -r -a '(__fish_complete_directories)'" if opt.folder
                              else " -r -F")
                lines.append(f"complete -c sigen -n '{condition}' {flags}{value} -d "
                             f"{_fish_quote(opt.help)}")
            if target.positional_choices:
                lines.append(f"complete -c sigen -n '{condition}' -a "
                             f"{_fish_quote(' '.join(target.positional_choices))}")
            else:
                lines.append(f"complete -c sigen -n '{condition}' -F")
    return "\n".join(lines) + "\n"


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    """The completion script of ``shell`` for ``parser``."""
    commands = commands_of(parser)
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](commands)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    sys.stdout.write(script(args.shell, parser))
    return 0
