"""What the board shows and what the export holds, computed from the Store (no HTTP here)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any

from tutor.classroom.store import SAME_CHECK_FAILS, Store


def lesson_catalog(lang: str) -> list[dict[str, Any]]:
    """The shipped lessons as the board needs them: id, title and steps (id, title) in `lang`."""
    from tutor.lessons.loader import load_lessons
    from tutor.paths import lessons_dir

    return [{"id": lesson.id, "title": lesson.title_in(lang),
             "steps": [{"id": step.id, "title": lesson.step_text(step.id, lang).title} for step in lesson.steps]}
            for lesson in load_lessons(lessons_dir()).lessons]


def board(store: Store, lessons: list[dict[str, Any]], wanted: str | None, now: float) -> dict[str, Any]:
    """The board as JSON: the lesson shown (`wanted`, else the one most learners are in), its steps
    with per-step counts, and one row per learner (raised hands first, then the stuck ones)."""
    rows = store.learners()
    done: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for learner, lesson, step, t in store.done_steps():
        done[learner][lesson][step] = t
    known = {lesson["id"]: lesson for lesson in lessons}
    in_use = Counter(row["lesson"] for row in rows if row["lesson"] in known)
    lesson_id = wanted if wanted in known else (in_use.most_common(1)[0][0] if in_use else
                                                (lessons[0]["id"] if lessons else None))
    stuck_after = store.stuck_minutes * 60
    learners = []
    for row in rows:
        own_done = done[row["id"]]
        on_done_step = row["step"] in own_done.get(row["lesson"] or "", {})
        slow = row["since"] is not None and not on_done_step and now - row["since"] > stuck_after
        failing = row["fail_count"] >= SAME_CHECK_FAILS
        learners.append({
            "id": row["id"], "name": row["name"], "lesson": row["lesson"], "step": row["step"],
            "since": row["since"], "hand": bool(row["hand"]), "hand_since": row["hand_since"],
            "stuck": slow or failing, "stuck_reason": "check" if failing else ("time" if slow else None),
            "last_failed_check": row["failed_check"], "last_failed_code": row["failed_code"],
            "fails": row["fail_count"], "seen": row["seen"], "events": row["events"],
            "done": sorted(own_done.get(lesson_id or "", {})),
        })
    learners.sort(key=lambda item: (not item["hand"], item["hand_since"] or 0, not item["stuck"], item["name"].casefold()))
    steps = []
    for step in known[lesson_id]["steps"] if lesson_id else []:
        steps.append({**step, "done": sum(1 for item in learners if step["id"] in item["done"]),
                      "here": sum(1 for item in learners if item["lesson"] == lesson_id and item["step"] == step["id"]),
                      "stuck": sum(1 for item in learners if item["stuck"] and item["lesson"] == lesson_id
                                   and item["step"] == step["id"])})
    return {"now": now, "lesson": lesson_id, "steps": steps, "learners": learners,
            "stuck_minutes": store.stuck_minutes, "hands": sum(1 for item in learners if item["hand"]),
            "broadcast": (store.last_push("broadcast") or {}).get("text", ""), "push": store.last_push()}


def export(store: Store) -> list[dict[str, Any]]:
    """Per learner: steps done with times, checks passed, answers and drills (for CSV and JSON)."""
    done: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for learner, lesson, step, t in store.done_steps():
        done[learner].append({"lesson": lesson, "step": step, "at": _iso(t)})
    result = []
    for row in sorted(store.learners(), key=lambda r: r["name"].casefold()):
        checks = store.events_of(row["id"], ("check",))
        passed = sorted({event["check"] for event in checks if event["ok"]})
        result.append({
            "id": row["id"], "name": row["name"], "joined": _iso(row["joined"]), "steps_done": done[row["id"]],
            "checks_passed": passed,
            "answers": [{"question": e["question"], "right": e["right"], "at": _iso(e["t"])}
                        for e in store.events_of(row["id"], ("answer",))],
            "drills": [{"drill": e["drill"], "outcome": e["outcome"], "at": _iso(e["t"])}
                       for e in store.events_of(row["id"], ("drill",))],
        })
    return result


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")
