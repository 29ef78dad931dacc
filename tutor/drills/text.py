"""What a drill says to the learner, in their language: one place for `tutor drill` and the TUI."""

from __future__ import annotations

from tutor.drills.session import Running, Verdict
from tutor.i18n import tr
from tutor.lab.topology import ADDRESSES

TEXT = "drill_cli"  # the section of tutor/locale/<lang>.toml


CLI_HOW = {"check": "sudo tutor drill check", "hint": "sudo tutor drill hint"}
"""How the learner asks for a check or a hint at the terminal (the TUI passes its keys instead)."""
RETRY_CHECKS = {"lb-distributes", "lb-failover"}  # the ones nginx's fail_timeout can still fail after a repair


def started(running: Running, lang: str, how: dict[str, str] = CLI_HOW) -> str:
    drill = running.drill
    return tr(TEXT, "started", lang, title=drill.title[lang], variant=running.variant + 1,
              variants=len(drill.variants), seed=running.seed, symptom=symptom(running, lang),
              check_how=how["check"], hint_how=how["hint"])


def symptom(running: Running, lang: str) -> str:
    return running.drill.text(running.drill.symptom, lang, running.variant)


def failing(verdict: Verdict, lang: str) -> list[str]:
    """What still fails, each in a few words that name what is seen, not the fix: a check with its
    code, `nginx -t`'s error, the upstream group, the proxy's config."""
    said = []
    for item in verdict.failing:
        if item in verdict.results:
            said.append(f"{item} ({verdict.results[item]['code']})")
        elif item == "nginx-t":
            said.append(tr(TEXT, "nginx_t", lang, why=verdict.nginx_test))
        else:
            said.append(tr(TEXT, item, lang, app1=ADDRESSES["app1"], app2=ADDRESSES["app2"]))
    return said


def not_yet(verdict: Verdict, lang: str, how: dict[str, str] = CLI_HOW) -> str:
    text = tr(TEXT, "not_yet", lang, count=len(verdict.failing), hint_how=how["hint"]) + "\n" + "\n".join(
        f"  - {line}" for line in failing(verdict, lang))
    if set(verdict.failing) <= RETRY_CHECKS:  # nginx may still avoid a server repaired a moment ago
        text += "\n" + tr(TEXT, "fail_timeout", lang)
    return text


def hint(running: Running, index: int, verdict: Verdict, lang: str) -> str:
    """What still fails, then hint number `index` (0-based); the last hint adds the first failing
    check's own explanation, which names the next command."""
    hints = running.drill.hints
    said = tr(TEXT, "still", lang, what="; ".join(failing(verdict, lang)))
    said += "\n" + tr(TEXT, "hint", lang, n=index + 1, of=len(hints),
                       text=running.drill.text(hints[index], lang, running.variant))
    explained = next((verdict.results[c]["message"] for c in verdict.failing if c in verdict.results), "")
    if index == len(hints) - 1 and explained:
        said += "\n" + explained
    return said


def nothing_fails(lang: str, how: dict[str, str] = CLI_HOW) -> str:
    return tr(TEXT, "nothing_fails", lang, check_how=how["check"])


def reveal_data(running: Running, lang: str) -> dict[str, str]:
    """What was broken, how to see it, the fix, the lesson step that teaches it."""
    drill = running.drill
    see, fix = (drill.text(command, lang, running.variant) for command in (drill.see, drill.fix_command))
    return {"broken": drill.text(drill.broken, lang, running.variant), "see": see, "fix": fix,
            "lesson": drill.lesson, "step": drill.step}


def reveal(running: Running, record: dict, lang: str) -> str:
    data = reveal_data(running, lang)
    head = tr(TEXT, record["outcome"], lang, seconds=duration(record["seconds"], lang), hints=record["hints"])
    return tr(TEXT, "reveal", lang, head=head, broken=data["broken"], see=data["see"], fix=data["fix"],
              step=step_title(data["lesson"], data["step"], lang))


def step_title(lesson_id: str, step_id: str, lang: str) -> str:
    """`Lesson title › N. Step title` in `lang`."""
    from tutor.lessons.loader import load_lessons
    from tutor.paths import lessons_dir

    lesson = load_lessons(lessons_dir()).get(lesson_id)
    if lesson is None:
        return f"{lesson_id} › {step_id}"
    number = next((i for i, step in enumerate(lesson.steps, 1) if step.id == step_id), 0)
    return f"{lesson.title_in(lang)} › {number}. {lesson.step_text(step_id, lang).title}"


def duration(seconds: float, lang: str) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return tr(TEXT, "duration", lang, minutes=minutes, seconds=rest)


def variants(count: int, lang: str) -> str:
    return tr(TEXT, "variants", lang, n=count)
