"""The `tutor` command line (DESIGN.md section 2).

Every subcommand imports its heavy modules (textual, simpy, httpx) only when it runs, so
`tutor sim` never loads Textual and `tutor --version` loads nothing at all.
"""

from __future__ import annotations

import argparse
import os
import sys

from tutor import __version__
from tutor.i18n import LANGUAGES
from tutor.live.catalog import CHECK_IDS
from tutor.web import DEFAULT_MAX_SESSIONS


def default_language(environ: dict[str, str] | None = None) -> str:
    """The language from `LANG` (or `LC_ALL`/`LANGUAGE`) when it is id or en, else Indonesian."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LANGUAGE", "LANG"):
        value = env.get(var, "")
        code = value.split(":")[0][:2].lower()
        if code in LANGUAGES:
            return code
    return "id"


def _pop_lang(argv: list[str]) -> tuple[list[str], str | None]:
    """Take `--lang X` / `--lang=X` out of argv wherever it stands (before or after the subcommand)."""
    rest: list[str] = []
    lang = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg == "--lang":
            if i + 1 >= len(argv):
                raise _UsageError(f"--lang needs a value: {' or '.join(LANGUAGES)}")
            lang = argv[i + 1]
            i += 2
            continue
        if arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
            i += 1
            continue
        rest.append(arg)
        i += 1
    if lang is not None and lang not in LANGUAGES:
        raise _UsageError(f"unknown language {lang!r}: use {' or '.join(LANGUAGES)}")
    return rest, lang


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `tutor` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="Learn web servers, nginx reverse proxies and load balancing, "
        "then check the machines you built. / Belajar web server, reverse proxy dan "
        "load balancing nginx, lalu periksa VM yang kamu bangun.",
        epilog="--lang id|en is accepted by every command (default: from LANG, else id).",
    )
    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    parser.add_argument("--lang", choices=LANGUAGES, help="language: id (Indonesian) or en (English)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    play = sub.add_parser("play", help="open the animated simulator straight away (instructor demos)")
    play.add_argument("scenario", nargs="?", metavar="SCENARIO.toml")
    play.add_argument("--nginx-conf", metavar="FILE")

    simp = sub.add_parser("sim", help="run a simulator scenario headless and print a report")
    simp.add_argument("scenario", nargs="?", metavar="SCENARIO.toml")
    simp.add_argument("--nginx-conf", metavar="FILE")
    simp.add_argument("--seed", type=int)
    simp.add_argument("--json", action="store_true", help="print the report as JSON")
    simp.add_argument("--trace", metavar="FILE", help="write one JSON line per request to FILE")

    check = sub.add_parser("check", help="check your real VMs (live mode)")
    check.add_argument("checks", nargs="*", metavar="CHECK_ID",
                       help="checks to run (default: all): " + ", ".join(CHECK_IDS))
    check.add_argument("--host", action="append", default=[], metavar="ROLE=ADDR[:PORT]")
    check.add_argument("--multipass", action="store_true", help="read addresses from `multipass list`")
    check.add_argument("--lab", action="store_true",
                       help="check the machines of `tutor lab` (root), from the lab's laptop")
    check.add_argument("--domain", metavar="NAME")
    check.add_argument("--timeout", type=float, default=3.0, metavar="S")
    check.add_argument("--json", action="store_true")
    check.add_argument("--weight", action="append", default=[], metavar="ROLE=N",
                       help="lb-distributes: the weight of an app in the upstream (default: all equal)")
    check.add_argument("--stopped", metavar="ROLE", help="lb-failover: the app you stopped (default: the one that refuses)")

    lint = sub.add_parser("lint", help="validate lessons: structure, id/en parity, links, scenarios")
    lint.add_argument("path", nargs="?", metavar="PATH")
    lint.add_argument("--json", action="store_true")

    from tutor.lab.cli import add_parser as add_lab_parser

    add_lab_parser(sub)

    serve = sub.add_parser("serve", help="serve the app in a web browser, one session per tab")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", default="8000", metavar="P", help="port (default: 8000; 0 = any free port)")
    serve.add_argument("--public", action="store_true",
                       help="allow a non-loopback --host; the printed URL then carries an access token")
    serve.add_argument("--max-sessions", default=str(DEFAULT_MAX_SESSIONS), metavar="N",
                       help=f"most browser sessions at once (default: {DEFAULT_MAX_SESSIONS})")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `tutor` with argv (default: sys.argv[1:]) and return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        argv, lang = _pop_lang(argv)
    except _UsageError as exc:
        print(f"tutor: {exc}", file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    args.lang = lang or default_language()
    args.lang_explicit = lang is not None
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `tutor lint --json | head`: the reader left; say nothing more
        _stdout_to_devnull()
        return 1


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null so the flush at exit does not fail on the closed pipe again."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):  # stdout is no real file (tests capture it)
        pass


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "sim":
        from tutor.simcli import run_sim

        return run_sim(args)
    if args.command == "check":
        from tutor.live.cli import run_check

        return run_check(args)
    if args.command == "lint":
        from tutor.lessons.lint import run_lint

        return run_lint(args)
    if args.command == "lab":
        from tutor.lab.cli import run_lab

        return run_lab(args)
    if args.command == "serve":
        from tutor.web.command import run_serve

        return run_serve(args)
    from tutor.app import run_app

    return run_app(args)
