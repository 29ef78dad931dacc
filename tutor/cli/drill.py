"""`tutor drill list | start NAME [--seed N] | check | hint | give-up [--prefix P] [--json]`.

Exit codes: 0 done (for `check`: solved), 1 `check` found the drill not solved yet, 2 cannot run
(not root, no lab, no drill running, unknown drill): one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from tutor.i18n import tr
from tutor.lab.errors import LabError
from tutor.sanitize import terminal_text

TEXT = "drill_cli"  # the section of tutor/locale/<lang>.toml


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor drill ...` (help texts: the [cli] catalogue, keys "drill.*")."""
    drill = sub.add_parser("drill")
    actions = drill.add_subparsers(dest="drill_command", metavar="ACTION", required=True)
    actions.add_parser("list").add_argument("--json", action="store_true")
    start = actions.add_parser("start")
    start.add_argument("name", metavar="NAME")
    start.add_argument("--seed", type=int, metavar="N")
    for name in ("check", "hint", "give-up"):
        actions.add_parser(name)
    for name in ("start", "check", "hint", "give-up"):
        actions.choices[name].add_argument("--prefix", metavar="PREFIX")
        actions.choices[name].add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    """Run `tutor drill ...` with parsed args; returns the exit code."""
    from tutor.drills.actions import ActionFailed
    from tutor.drills.model import DrillError
    from tutor.drills.session import NoSuchDrill

    lang = getattr(args, "lang", "id")
    try:
        return _run(args, lang)
    except NoSuchDrill as exc:
        return _fail(tr(TEXT, "err.unknown", lang, name=terminal_text(str(exc))[:80], count=len(_drills())))
    except DrillError as exc:  # a drill file that cannot be used (lesson authors: see drills/README.md)
        return _fail(terminal_text(str(exc))[:300])
    except ActionFailed as exc:  # the lab could not be put in the drill's state
        return _fail(terminal_text(exc.message(lang))[:300])
    except LabError as exc:
        return _fail(exc.message(lang))


def _run(args: argparse.Namespace, lang: str) -> int:
    from tutor.drills import session

    action = args.drill_command
    if action == "list":
        return _list(args, lang)
    from tutor.drills.act import act
    from tutor.lab.lab import Lab, require_root

    name = args.name if action == "start" else ""
    if name:
        session.find(name)  # an unknown name is said before anything needs root or the lab
    require_root()
    lab = Lab.as_built(args.prefix)
    lab.require_up()
    outcome = act(lab, action, lang, name, getattr(args, "seed", None))
    if outcome.code == 2:
        return _fail(outcome.text)
    if args.json:
        _json(outcome.data)
    else:
        print(outcome.text)
    return outcome.code


def _list(args: argparse.Namespace, lang: str) -> int:
    from tutor.drills import session, text

    drills = _drills()
    done = {run["drill"] for run in session.history() if run.get("outcome") == "solved"}
    if args.json:
        _json({"drills": [{"id": d.id, "title": d.title, "variants": len(d.variants), "lesson": d.lesson,
                           "step": d.step, "solved": d.id in done} for d in drills]})
        return 0
    for number, drill in enumerate(drills, 1):
        mark = "✓" if drill.id in done else " "
        print(f"{mark} {number:>2}. {drill.title[lang]}  ({text.variants(len(drill.variants), lang)})")
    print(tr(TEXT, "list_foot", lang))
    return 0


def _drills():
    from tutor.drills import session

    return session.catalogue()[0]


def _json(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False))


def _fail(message: str) -> int:
    print(f"tutor drill: {message}", file=sys.stderr)
    return 2
