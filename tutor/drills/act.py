"""The one way to do something with a drill on a lab: `tutor drill` and the TUI's drills screen both
call `act` and show its `Outcome` (the text, or the same as JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.drills import session, text
from tutor.i18n import tr
from tutor.lab.lab import Lab

TEXT = "drill_cli"  # the section of tutor/locale/<lang>.toml


@dataclass(frozen=True)
class Outcome:
    """What an action did: exit code (0 done or solved, 1 not solved yet, 2 no drill running), the text
    for the learner and the same as data for `--json`."""

    code: int
    text: str
    data: dict = field(default_factory=dict)


def act(lab: Lab, action: str, lang: str, name: str = "", seed: int | None = None,
        how: dict[str, str] = text.CLI_HOW) -> Outcome:
    """`start` drill NAME (with `seed`), or `check`, `hint`, `give-up` of the drill running on `lab`;
    `how` says how the learner asks for a check or a hint where the text is shown."""
    if action == "start":
        running = session.start(lab, session.find(name), seed)
        return Outcome(0, text.started(running, lang, how), {
            "drill": running.drill.id, "seed": running.seed, "variant": running.variant + 1,
            "variants": len(running.drill.variants), "symptom": text.symptom(running, lang)})
    try:
        running = session.current(lab)
    except session.NoDrill:
        message = tr(TEXT, "err.none", lang)
        return Outcome(2, message, {"error": message})
    if action == "check":
        verdict = session.judge(lab, running, lang)
        if not verdict.ok:
            return Outcome(1, text.not_yet(verdict, lang, how),
                           {"ok": False, "failing": verdict.failing, "results": verdict.results})
        return _ended(running, session.finish(lab, running, "solved"), lang)
    if action == "hint":
        verdict = session.judge(lab, running, lang)
        if verdict.ok:  # nothing left to hint at: not counted
            return Outcome(0, text.nothing_fails(lang, how), {"hint": None, "failing": []})
        index = session.next_hint(lab, running)
        return Outcome(0, text.hint(running, index, verdict, lang), {
            "hint": index + 1, "hints": len(running.drill.hints), "failing": verdict.failing,
            "text": running.drill.text(running.drill.hints[index], lang, running.variant)})
    if action == "give-up":
        return _ended(running, session.finish(lab, running, "gave_up"), lang)
    raise ValueError(action)


def _ended(running: session.Running, record: dict, lang: str) -> Outcome:
    return Outcome(0, text.reveal(running, record, lang), {
        "ok": record["outcome"] == "solved", "outcome": record["outcome"], "record": record,
        "reveal": text.reveal_data(running, lang)})
