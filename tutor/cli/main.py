"""The `tutor` command line (DESIGN.md section 2): the parser, its language, and the dispatch to
tutor/cli/<command>.py (each has `add_parser(sub)` and `run(args) -> exit code`).

Every subcommand imports its heavy modules (textual, simpy, httpx) only when it runs, so
`tutor sim` never loads Textual and `tutor --version` loads nothing at all.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from contextlib import contextmanager
from types import ModuleType
from typing import NoReturn

from tutor import __version__
from tutor.i18n import LANGUAGES, lookup, tr
from tutor.sanitize import sanitize


def chosen_language(explicit: str | None) -> str:
    """The one rule of the app and every command: `--lang`, else the language saved in the app
    (F2), else `LANG`, else Indonesian."""
    if explicit is not None:
        return explicit
    from tutor.paths import user_data_dir
    from tutor.settings import saved_language

    return saved_language(user_data_dir()) or default_language()


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
                raise _UsageError(tr(CLI, "lang_missing", default_language(), languages=", ".join(LANGUAGES)))
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
        raise _UsageError(tr(CLI, "lang_unknown", default_language(), code=lang, languages=", ".join(LANGUAGES)))
    return rest, lang


class _UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line, `tutor: <reason> (try tutor --help)`, in the CLI's
    language (set on every parser by `localize`)."""

    lang = "id"

    def error(self, message: str) -> NoReturn:
        reason = sanitize(message, 300, markup=False)
        self.exit(2, f"{self.prog}: {reason} ({tr(CLI, 'try_help', self.lang, prog=self.prog)})\n")


CLI = "cli"
"""The catalogue section of the --help texts: "<command path>.<option dest>", e.g. "check.host"."""
ARGPARSE = "argparse"
"""The catalogue section of argparse's own words, keyed by its English message."""
SIMVIEW = "simview"
"""The simulator's section: its "no scenario named ..." line, the same as `tutor play` says."""


@contextmanager
def argparse_language(lang: str) -> Iterator[None]:
    """argparse's own words ("usage:", "options", its error messages) in `lang` while inside.

    argparse looks each of them up with gettext at the moment it uses it; this points that lookup
    at the catalogue for a while (the command line runs once per process; tests call main() too).
    """
    original = getattr(argparse, "_")  # argparse's gettext alias: private, so not in its type stubs
    setattr(argparse, "_", lambda message: lookup(ARGPARSE, message, lang) or message)
    try:
        yield
    finally:
        setattr(argparse, "_", original)


COMMANDS = ("play", "sim", "check", "doctor", "lint", "lab", "class", "drill", "twin", "serve")
"""Every subcommand, in the order `tutor --help` lists them; `tutor X` lives in tutor/cli/<module>.py."""
_MODULES = {"play": "lessons", "class": "classroom"}


def command_module(command: str | None) -> ModuleType:
    """The module of `tutor COMMAND` (`tutor` alone: the lessons), imported on first use."""
    name = "lessons" if command is None else _MODULES.get(command, command)
    return importlib.import_module(f"tutor.cli.{name}")


def build_parser(lang: str = "id") -> argparse.ArgumentParser:
    """The argument parser for `tutor` and its subcommands, its help in `lang` (call it inside
    `argparse_language(lang)` so argparse's own words are in `lang` too)."""
    from tutor import course
    from tutor.cli.lab import ROLES
    from tutor.lab.topology import APPS
    from tutor.live.catalog import CHECK_IDS
    from tutor.web import DEFAULT_MAX_SESSIONS

    parser = Parser(prog="tutor")
    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    parser.add_argument("--lang", choices=LANGUAGES)
    parser.add_argument("--join", metavar="URL")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command_module(command).add_parser(sub)
    _lang_everywhere(parser)
    localize(parser, lang, checks=", ".join(CHECK_IDS), sessions=DEFAULT_MAX_SESSIONS, roles=", ".join(ROLES),
             apps=", ".join(APPS), machines=", ".join(course.ROLES), proxy=course.PROXY)
    return parser


def _lang_everywhere(parser: argparse.ArgumentParser) -> None:
    """List `--lang` in every subcommand's --help (main() takes it out of argv wherever it stands,
    so it is shown here, never parsed here)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                subparser.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS)
                _lang_everywhere(subparser)


def localize(parser: argparse.ArgumentParser, lang: str, path: str = "tutor", **values: object) -> None:
    """Fill the help of `parser` and its subcommands from the [cli] catalogue: a subcommand's line is
    "<path>" ("check", "lab.up"), an option's "<path>.<dest>" ("check.host"); the top parser's
    description and epilog are "tutor.description" and "tutor.epilog"."""
    def text(key: str) -> str | None:
        found = lookup(CLI, key, lang)
        return found.format(**values).replace("%", "%%") if found else None

    if isinstance(parser, Parser):  # every parser build_parser makes (subparsers take the parent's class)
        parser.lang = lang
    if path == "tutor":
        parser.description, parser.epilog = text("tutor.description"), text("tutor.epilog")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            listed = {choice.dest: choice for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                key = name if path == "tutor" else f"{path}.{name}"
                if name not in listed:  # the one-line entry in the parent's help
                    listed[name] = action._ChoicesPseudoAction(name, (), None)
                    action._choices_actions.append(listed[name])
                listed[name].help = subparser.description = text(key)
                localize(subparser, lang, key, **values)
        elif not isinstance(action, argparse._HelpAction) and action.help != argparse.SUPPRESS:
            inherited = text("tutor.lang") if action.dest == "lang" else None  # _lang_everywhere's copies
            action.help = text(f"{path}.{action.dest}") or inherited or action.help


def main(argv: list[str] | None = None) -> int:
    """Run `tutor` with argv (default: sys.argv[1:]) and return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        argv, lang = _pop_lang(argv)
    except _UsageError as exc:
        print(f"tutor: {exc}", file=sys.stderr)
        return 2
    cli_lang = chosen_language(lang)
    with argparse_language(cli_lang):
        args = build_parser(cli_lang).parse_args(argv)
    args.lang = cli_lang
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


def input_problem(args: argparse.Namespace) -> str | None:
    """Why a file or folder the command was given cannot be read (one line in the CLI's
    language), or None: checked here, before the command runs, so the reason is never the
    operating system's English."""
    from tutor.paths import scenario_file, shipped_scenarios

    lang = args.lang
    if args.command in ("sim", "play") and args.scenario:
        try:
            path = scenario_file(args.scenario)
        except (OSError, ValueError):  # a name the system refuses to look up (too long, ...)
            return tr(CLI, "input.no_file", lang, path=_shown(args.scenario))
        if not _exists(path) and path.suffix != ".toml" and len(path.parts) == 1:
            return tr(SIMVIEW, "msg.unknown_scenario", lang, name=_shown(args.scenario),
                      names=", ".join(shipped_scenarios()))
        if reason := _file_problem(path, lang):
            return reason
    if args.command in ("sim", "play") and args.nginx_conf:
        return _file_problem(Path(args.nginx_conf), lang)
    if args.command == "lint" and args.path and not _exists(Path(args.path)):
        return tr(CLI, "input.no_path", lang, path=_shown(args.path))
    return None


def _file_problem(path: Path, lang: str) -> str | None:
    if _exists(path) and path.is_dir():
        return tr(CLI, "input.folder", lang, path=_shown(path))
    if not _exists(path):
        return tr(CLI, "input.no_file", lang, path=_shown(path))
    return None


def _shown(path: object, limit: int = 120) -> str:
    """A path as the reason shows it: a very long one shortened, so the reason stays readable."""
    text = str(path)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _exists(path: Path) -> bool:
    """`path.exists()`, False for a name the system refuses to look up (too long, ...)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _dispatch(args: argparse.Namespace) -> int:
    if args.command in ("sim", "play", "lint") and (problem := input_problem(args)):
        print(f"tutor {args.command}: {sanitize(problem, 500, markup=False)}", file=sys.stderr)
        return 2
    run: Callable[[argparse.Namespace], int] = command_module(args.command).run
    return run(args)
