"""What a drill says to the learner, in their language: one place for `tutor drill` and the TUI."""

from __future__ import annotations

from tutor.drills.session import Running, Verdict
from tutor.i18n import tr

TEXT = "drill_cli"  # the section of tutor/locale/<lang>.toml


def started(running: Running, lang: str) -> str:
    drill = running.drill
    return tr(TEXT, "started", lang, title=drill.title[lang], variant=running.variant + 1,
              variants=len(drill.variants), seed=running.seed, symptom=symptom(running, lang))


def symptom(running: Running, lang: str) -> str:
    return running.drill.text(running.drill.symptom, lang, running.variant)


def not_yet(verdict: Verdict, lang: str) -> str:
    text = tr(TEXT, "not_yet", lang, count=len(verdict.failing), failing=", ".join(verdict.failing))
    if "lb-distributes" in verdict.failing or "lb-failover" in verdict.failing:
        text += "\n" + tr(TEXT, "fail_timeout", lang)  # a server repaired a moment ago may still be avoided
    return text


def still_failing(verdict: Verdict, lang: str) -> str:
    """What still fails, in the learner's words: the first failing check's own explanation ("" if none)."""
    for check in verdict.failing:
        if check in verdict.results:
            return f"{check}: {verdict.results[check]['message']}"
        if check == "nginx-t":
            return tr(TEXT, "nginx_t", lang, why=verdict.nginx_test)
        if check in ("upstream", "config"):
            return tr(TEXT, check, lang)
    return ""


def hint(running: Running, index: int, verdict: Verdict, lang: str) -> str:
    """What still fails, then hint number `index` (0-based)."""
    still = still_failing(verdict, lang)
    head = tr(TEXT, "still", lang, what=still) if still else tr(TEXT, "nothing_fails", lang)
    text = running.drill.text(running.drill.hints[index], lang, running.variant)
    return head + "\n" + tr(TEXT, "hint", lang, n=index + 1, of=len(running.drill.hints), text=text)


def reveal_data(running: Running, lang: str) -> dict[str, str]:
    """What was broken, how to see it, the fix, the lesson step that teaches it."""
    drill = running.drill
    see, fix = (drill.text({"en": text}, lang, running.variant) for text in (drill.see, drill.fix_command))
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
