"""`tutor lab`: build, inspect, use and remove the lab (DESIGN.md sections 2 and 8).

Exit codes: 0 done, 1 the command run inside a machine failed (its own exit code for `exec`),
2 the lab cannot do it here (not Linux, not root, a tool missing, bad input, the lab busy being
built or removed by another `tutor lab`): one line on stderr.

`shell` and `exec` run as the machine's user ubuntu, as `multipass shell`/`exec` do: what needs
root takes `sudo` (the machine's own; tutor.lab.standins).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from tutor.i18n import tr
from tutor.lab.errors import TEXT, LabError, prefix_flag
from tutor.lab.topology import ADDRESSES, APPS

ROLES = tuple(ADDRESSES)
"""The machines a learner names (laptop, proxy, app1..app3); a test's extra client is not one."""

if TYPE_CHECKING:
    from tutor.lab.lab import Lab


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor lab ...` to the command line (help texts: the [cli] catalogue, keys "lab.*")."""
    lab = sub.add_parser("lab")
    lab.add_argument("--prefix")
    actions = lab.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    up = actions.add_parser("up")
    up.add_argument("--apps", type=int, choices=(2, 3), default=2)
    up.add_argument("--app", metavar="PATH")
    actions.add_parser("down")
    status = actions.add_parser("status")
    status.add_argument("--json", action="store_true")
    status.add_argument("--format", choices=("table", "json"), default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)  # multipass's spelling of --json, kept as an alias
    for name in ("shell", "exec"):
        actions.add_parser(name).add_argument("role", choices=ROLES, metavar="ROLE")
    actions.choices["exec"].add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD")
    for name in ("stop", "start"):
        actions.add_parser(name).add_argument("role", choices=APPS, metavar="APP")
    for name in ("poweroff", "poweron"):
        actions.add_parser(name).add_argument("role", choices=ROLES, metavar="ROLE")
    for action in actions.choices.values():  # --prefix after the action too (flags after the verb)
        action.add_argument("--prefix", default=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    """Run `tutor lab ...` with parsed args; returns the exit code."""
    lang = getattr(args, "lang", "id")
    try:
        return _run(args, lang)
    except LabError as exc:
        print(f"tutor lab: {exc.message(lang)}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, lang: str) -> int:
    from tutor.lab.lab import Lab, require_root
    from tutor.lab.vm_tree import whoami

    inside = whoami()
    if inside:  # the lab is run from the host, not from one of its machines
        raise LabError("inside_machine", role=inside[1])
    require_root()
    argv = list(getattr(args, "argv", []))
    while argv[:1] == ["--prefix"] and len(argv) > 1:  # `exec ROLE --prefix P -- CMD`
        args.prefix, argv = argv[1], argv[2:]
    args.argv = argv
    lab = Lab(args.prefix)
    action = args.lab_command
    if action in ("up", "down"):
        with lab.busy():
            return _up_or_down(lab, args, lang)
    return _use(lab, args, lang)


def _up_or_down(lab: Lab, args: argparse.Namespace, lang: str) -> int:
    if args.lab_command == "up":
        start = time.monotonic()
        lab.up(apps=args.apps, lang=lang, app=args.app)
        if lab.app_source() is not None:  # what the lab typed, with what the app needs, said out loud
            for role in lab.roles():
                if role in APPS:
                    print(tr(TEXT, "start_line", lang, role=role, command=lab.start_line()))
        machines = ", ".join(f"{m.role} {m.address}" for m in lab.status())
        print(tr(TEXT, "up", lang, seconds=time.monotonic() - start, machines=machines,
                 at=prefix_flag(lab.prefix)))
        return 0
    start = time.monotonic()
    lab.down()
    print(tr(TEXT, "down", lang, seconds=time.monotonic() - start))
    return 0


def _use(lab: Lab, args: argparse.Namespace, lang: str) -> int:
    from tutor.lab.lab import USER

    action = args.lab_command
    if action == "status":
        return _status(lab, args.json or getattr(args, "format", "table") == "json", lang)
    if action == "stop":
        stopped = lab.stop(args.role)
        key = "done.stop" if stopped is None else "done.stop_other" if stopped else "done.stop_none"
        print(tr(TEXT, key, lang, role=args.role, who=stopped or ""))
        return 0
    if action in ("start", "poweroff", "poweron"):
        getattr(lab, action)(args.role)
        print(tr(TEXT, f"done.{action}", lang, role=args.role))
        if action == "start" and lab.app_source() is not None:
            print(tr(TEXT, "start_line", lang, role=args.role, command=lab.start_line()))
        return 0
    lab.require_up()
    if action == "shell":  # a login shell of ubuntu, as `multipass shell` gives
        return subprocess.call(lab.command(args.role, ["runuser", "-l", USER]))
    argv = list(args.argv)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise LabError("no_command")
    return subprocess.call(lab.user_command(args.role, argv), env=lab.user_env(TUTOR_LAB_PREFIX=lab.prefix))


def _status(lab: Lab, as_json: bool, lang: str) -> int:
    machines = lab.status()
    if as_json:
        print(json.dumps(lab.multipass_list(), indent=2))
        return 0
    if not machines:
        print(tr(TEXT, "empty", lang, at=prefix_flag(lab.prefix)))
        return 0
    rows = [(tr(TEXT, "head.name", lang), tr(TEXT, "head.state", lang), tr(TEXT, "head.ipv4", lang),
             tr(TEXT, "head.service", lang))]
    for m in machines:
        service = f"{m.service} {tr(TEXT, 'running' if m.service_running else 'stopped', lang)}" if m.service else "-"
        service += f" ({m.detail})" if m.detail else ""
        rows.append((m.role, m.state, m.address if m.powered else "--", service))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0
