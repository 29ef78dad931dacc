"""`tutor drill list | start NAME [--seed N] | check | hint | give-up [--prefix P] [--json]`.

Exit codes: 0 done (for `check`: solved), 1 `check` found the drill not solved yet, 2 cannot run
(not root, no lab, no drill running, unknown drill): one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from tutor.i18n import tr
from tutor.lab.topology import LabError
from tutor.live.sanitize import terminal_text

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


def run_drill(args: argparse.Namespace) -> int:
    """Run `tutor drill ...` with parsed args; returns the exit code."""
    from tutor.drills.model import DrillError
    from tutor.drills.session import NoSuchDrill

    lang = getattr(args, "lang", "id")
    try:
        return _run(args, lang)
    except NoSuchDrill as exc:
        return _fail(tr(TEXT, "err.unknown", lang, name=terminal_text(str(exc))[:80],
                        names=", ".join(d.id for d in _drills())))
    except DrillError as exc:  # a drill file that cannot be used (lesson authors: see drills/README.md)
        return _fail(terminal_text(str(exc))[:300])
    except LabError as exc:
        from tutor.lab.cli import reason

        return _fail(reason(exc, lang))


def _run(args: argparse.Namespace, lang: str) -> int:
    from tutor.drills import session

    action = args.drill_command
    if action == "list":
        return _list(args, lang)
    from tutor.lab.lab import Lab, require_root

    drill = session.find(args.name) if action == "start" else None
    require_root()
    lab = Lab(args.prefix)
    lab.require_up()
    if drill is not None:
        running = session.start(lab, drill, args.seed)
        symptom = running.drill.text(drill.symptom, lang, running.variant)
        if args.json:
            _json({"drill": drill.id, "seed": running.seed, "variant": running.variant + 1,
                   "variants": len(drill.variants), "symptom": symptom})
        else:
            print(tr(TEXT, "started", lang, title=drill.title[lang], variant=running.variant + 1,
                     variants=len(drill.variants), seed=running.seed, symptom=symptom))
        return 0
    try:
        running = session.current(lab)
    except session.NoDrill:
        return _fail(tr(TEXT, "err.none", lang))
    if action == "check":
        verdict = session.judge(lab, running, lang)
        if not verdict.ok:
            if args.json:
                _json({"ok": False, "failing": verdict.failing, "results": verdict.results})
            else:
                print(tr(TEXT, "not_yet", lang, count=len(verdict.failing), failing=", ".join(verdict.failing)))
            return 1
        record = session.finish(lab, running, "solved")
        _reveal(running, record, "solved", lang, args.json)
        return 0
    if action == "hint":
        verdict = session.judge(lab, running, lang)
        index = session.next_hint(lab, running)
        hint = running.drill.text(running.drill.hints[index], lang, running.variant)
        still = _still_failing(verdict, lang)
        if args.json:
            _json({"hint": index + 1, "hints": len(running.drill.hints), "text": hint, "failing": verdict.failing,
                   "still": still})
        else:
            print(tr(TEXT, "still", lang, what=still) if still else tr(TEXT, "nothing_fails", lang))
            print(tr(TEXT, "hint", lang, n=index + 1, of=len(running.drill.hints), text=hint))
        return 0
    record = session.finish(lab, running, "gave_up")  # give-up
    _reveal(running, record, "gave_up", lang, args.json)
    return 0


def _list(args: argparse.Namespace, lang: str) -> int:
    from tutor.drills import session

    drills = _drills()
    done = {run["drill"] for run in session.history() if run.get("outcome") == "solved"}
    if args.json:
        _json({"drills": [{"id": d.id, "title": d.title, "variants": len(d.variants), "lesson": d.lesson,
                           "step": d.step, "solved": d.id in done} for d in drills]})
        return 0
    width = max(len(d.id) for d in drills)
    for drill in drills:
        mark = "✓" if drill.id in done else " "
        print(f"{mark} {drill.id.ljust(width)}  {drill.title[lang]}  "
              f"({tr(TEXT, 'variants', lang, n=len(drill.variants))})")
    print(tr(TEXT, "list_foot", lang))
    return 0


def _still_failing(verdict, lang: str) -> str:
    """What still fails, in the learner's words: the first failing check's own explanation."""
    for check in verdict.failing:
        if check in verdict.results:
            return f"{check}: {verdict.results[check]['message']}"
        if check == "nginx-t":
            return tr(TEXT, "nginx_t", lang, why=verdict.nginx_test)
        if check in ("upstream", "config"):
            return tr(TEXT, check, lang)
    return ""


def _reveal(running, record: dict, outcome: str, lang: str, as_json: bool) -> None:
    drill = running.drill
    step = _step_title(drill.lesson, drill.step, lang)
    broken = drill.text(drill.broken, lang, running.variant)
    see, fix = (drill.text({"en": text}, lang, running.variant) for text in (drill.see, drill.fix_command))
    if as_json:
        _json({"ok": outcome == "solved", "outcome": outcome, "record": record,
               "reveal": {"broken": broken, "see": see, "fix": fix, "lesson": drill.lesson, "step": drill.step}})
        return
    head = tr(TEXT, outcome, lang, seconds=_duration(record["seconds"], lang), hints=record["hints"])
    print(tr(TEXT, "reveal", lang, head=head, broken=broken, see=see, fix=fix, step=step))


def _step_title(lesson_id: str, step_id: str, lang: str) -> str:
    from tutor.lessons.loader import load_lessons
    from tutor.paths import lessons_dir

    lesson = load_lessons(lessons_dir()).get(lesson_id)
    if lesson is None:
        return f"{lesson_id} › {step_id}"
    number = next((i for i, step in enumerate(lesson.steps, 1) if step.id == step_id), 0)
    return f"{lesson.title_in(lang)} › {number}. {lesson.step_text(step_id, lang).title}"


def _duration(seconds: float, lang: str) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return tr(TEXT, "duration", lang, minutes=minutes, seconds=rest)


def _drills():
    from tutor.drills import session

    return session.catalogue()[0]


def _json(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False))


def _fail(message: str) -> int:
    print(f"tutor drill: {message}", file=sys.stderr)
    return 2
