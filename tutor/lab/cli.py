"""`tutor lab`: build, inspect, use and remove the lab (DESIGN.md sections 2 and 8).

Exit codes: 0 done, 1 the command run inside a machine failed (its own exit code for `exec`),
2 the lab cannot do it here (not Linux, not root, a tool missing, bad input): one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from tutor.i18n import tr
from tutor.lab.topology import ALL_ROLES, APPS, LabError

TEXT = {
    "up": {"en": "The lab is up in {seconds} s: {machines}.\nTry: sudo tutor lab shell laptop, then "
                 "curl -H 'Host: hasil.xyz' http://10.37.19.64",
           "id": "Lab siap dalam {seconds} detik: {machines}.\nCoba: sudo tutor lab shell laptop, lalu "
                 "curl -H 'Host: hasil.xyz' http://10.37.19.64"},
    "down": {"en": "The lab is removed ({seconds} s): no namespace, process or file of it is left.",
             "id": "Lab sudah dihapus ({seconds} detik): tidak ada namespace, proses, atau file yang tersisa."},
    "empty": {"en": "The lab is not up. Start it with: sudo tutor lab up",
              "id": "Lab belum menyala. Nyalakan dengan: sudo tutor lab up"},
    "head.name": {"en": "Name", "id": "Nama"},
    "head.state": {"en": "State", "id": "Status"},
    "head.ipv4": {"en": "IPv4", "id": "IPv4"},
    "head.service": {"en": "Service", "id": "Layanan"},
    "running": {"en": "running", "id": "jalan"},
    "stopped": {"en": "stopped", "id": "berhenti"},
    "done.stop": {"en": "The app on {role} is stopped.", "id": "Aplikasi di {role} sudah dihentikan."},
    "done.start": {"en": "The app on {role} is running (npm start).",
                   "id": "Aplikasi di {role} sudah jalan (npm start)."},
    "done.poweroff": {"en": "{role} is powered off: its network link is down.",
                      "id": "{role} dimatikan: link jaringannya putus."},
    "done.poweron": {"en": "{role} is powered on: its network link is up again.",
                     "id": "{role} dinyalakan: link jaringannya tersambung lagi."},
    # Reasons (LabError.key); the English text of the error is the fallback.
    "err.not_linux": {"en": "tutor lab needs Linux (network namespaces).",
                      "id": "tutor lab butuh Linux (network namespace)."},
    "err.not_root": {"en": "tutor lab needs root: run it with sudo, e.g. sudo tutor lab up",
                     "id": "tutor lab butuh root: jalankan dengan sudo, misalnya sudo tutor lab up"},
    "err.missing_tool": {"en": "`{tool}` is missing: install {package} (sudo apt install {package}).",
                         "id": "`{tool}` tidak ada: pasang {package} (sudo apt install {package})."},
    "err.no_nginx": {"en": "nginx is missing: install it with sudo apt install nginx",
                     "id": "nginx belum terpasang: pasang dengan sudo apt install nginx"},
    "err.no_node": {"en": "Node.js is missing (node and npm): install it, e.g. sudo apt install nodejs npm",
                    "id": "Node.js belum terpasang (node dan npm): pasang, misalnya sudo apt install nodejs npm"},
    "err.not_up": {"en": "The lab is not up: run sudo tutor lab up first.",
                   "id": "Lab belum menyala: jalankan dulu sudo tutor lab up"},
    "err.no_machine": {"en": "The lab has no machine {role!r}; see sudo tutor lab status",
                       "id": "Lab tidak punya mesin {role!r}; lihat sudo tutor lab status"},
    "err.not_app": {"en": "{role!r} is not an app machine: use app1, app2 or app3.",
                    "id": "{role!r} bukan mesin aplikasi: pakai app1, app2, atau app3."},
    "err.bad_prefix": {"en": "Lab prefix {prefix!r}: use a lowercase letter then up to 15 letters or digits.",
                       "id": "Prefix lab {prefix!r}: pakai satu huruf kecil lalu paling banyak 15 huruf atau angka."},
    "err.nginx_failed": {"en": "nginx did not start in the lab: {why}",
                         "id": "nginx gagal jalan di lab: {why}"},
    "err.app_failed": {"en": "The app on {role} stopped right after npm start: {why}",
                       "id": "Aplikasi di {role} langsung berhenti setelah npm start: {why}"},
    "err.app_slow": {"en": "The app on {role} did not start in time; see sudo tutor lab exec {role} -- ...",
                     "id": "Aplikasi di {role} tidak kunjung jalan; periksa dengan sudo tutor lab exec {role} -- ..."},
    "err.ip_failed": {"en": "The network could not be built: {why}",
                      "id": "Jaringan lab gagal dibuat: {why}"},
    "err.exec_timeout": {"en": "The command on {role} did not finish within {seconds} s.",
                         "id": "Perintah di {role} tidak selesai dalam {seconds} detik."},
    "err.no_command": {"en": "Give the command after --, e.g. tutor lab exec proxy -- nginx -t",
                       "id": "Tulis perintahnya setelah --, misalnya tutor lab exec proxy -- nginx -t"},
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor lab ...` to the command line."""
    lab = sub.add_parser("lab", help="(Linux, root) the tutorial's machines as network namespaces")
    lab.add_argument("--prefix", help="the lab's name prefix (default: $TUTOR_LAB_PREFIX or tutorlab)")
    actions = lab.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    up = actions.add_parser("up", help="build the lab: laptop, proxy (nginx), app1, app2 [, app3]")
    up.add_argument("--apps", type=int, choices=(2, 3), default=2)
    actions.add_parser("down", help="remove everything the lab made")
    status = actions.add_parser("status", help="the machines, like `multipass list`")
    status.add_argument("--format", choices=("table", "json"), default="table")
    shell = actions.add_parser("shell", help="a shell on a machine, like `multipass shell`")
    shell.add_argument("role", choices=ALL_ROLES, metavar="ROLE")
    run = actions.add_parser("exec", help="run a command on a machine: exec ROLE -- CMD ...")
    run.add_argument("role", choices=ALL_ROLES, metavar="ROLE")
    run.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD")
    for name, text in (("stop", "stop the app (like Ctrl-C on npm start)"), ("start", "start the app (npm start)")):
        action = actions.add_parser(name, help=text)
        action.add_argument("role", choices=APPS, metavar="APP")
    for name, text in (("poweroff", "switch a machine off (its link goes down)"),
                       ("poweron", "switch a machine on again")):
        action = actions.add_parser(name, help=text)
        action.add_argument("role", choices=ALL_ROLES, metavar="ROLE")


def run_lab(args: argparse.Namespace) -> int:
    """Run `tutor lab ...` with parsed args; returns the exit code."""
    lang = getattr(args, "lang", "id")
    try:
        return _run(args, lang)
    except LabError as exc:
        print(f"tutor lab: {reason(exc, lang)}", file=sys.stderr)
        return 2


def reason(exc: LabError, lang: str) -> str:
    """The learner's-language one-line reason for a LabError."""
    key = f"err.{exc.key}"
    return tr(TEXT, key, lang, **exc.values) if key in TEXT else str(exc)


def _run(args: argparse.Namespace, lang: str) -> int:
    from tutor.lab.lab import Lab, require_root

    require_root()
    lab = Lab(args.prefix)
    action = args.lab_command
    if action == "up":
        start = time.monotonic()
        lab.up(apps=args.apps)
        machines = ", ".join(f"{m.role} {m.address}" for m in lab.status())
        print(tr(TEXT, "up", lang, seconds=f"{time.monotonic() - start:.1f}", machines=machines))
        return 0
    if action == "down":
        start = time.monotonic()
        lab.down()
        print(tr(TEXT, "down", lang, seconds=f"{time.monotonic() - start:.1f}"))
        return 0
    if action == "status":
        return _status(lab, args.format, lang)
    if action in ("stop", "start", "poweroff", "poweron"):
        getattr(lab, action)(args.role)
        print(tr(TEXT, f"done.{action}", lang, role=args.role))
        return 0
    lab.require_up()
    if action == "shell":
        shell = os.environ.get("SHELL") or "/bin/bash"
        return subprocess.call(lab.command(args.role, [shell if os.path.exists(shell) else "/bin/sh", "-l"]))
    argv = list(args.argv)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise LabError("no command given", "no_command")
    return subprocess.call(lab.command(args.role, argv))


def _status(lab, fmt: str, lang: str) -> int:
    machines = lab.status()
    if fmt == "json":
        print(json.dumps(lab.multipass_list(), indent=2))
        return 0
    if not machines:
        print(tr(TEXT, "empty", lang))
        return 0
    rows = [(tr(TEXT, "head.name", lang), tr(TEXT, "head.state", lang), tr(TEXT, "head.ipv4", lang),
             tr(TEXT, "head.service", lang))]
    for m in machines:
        service = f"{m.service} {tr(TEXT, 'running' if m.service_running else 'stopped', lang)}" if m.service else "-"
        rows.append((m.role, m.state, m.address if m.powered else "--", service))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0
