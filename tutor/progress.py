"""The learner's progress: per lesson, each step's state, hints shown, solutions shown, answers
given to the step's questions, last step.

Saved to `user_data_dir()/progress.json` after every change. A file that cannot be read is moved
aside (`progress.json.bak-<timestamp>`) and the learner starts with empty progress.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tutor.storage import Unreadable, read_json, try_move_aside, write_json_atomic

NOT_STARTED = "not_started"
VISITED = "visited"
DONE = "done"
STATES = (NOT_STARTED, VISITED, DONE)
FILE_NAME = "progress.json"
FORMAT_VERSION = 1

Listener = Callable[[str | None, str | None], None]


class Progress:
    """Progress for every lesson; call the methods, it saves itself and tells its listeners.

    Listeners get `(lesson_id, step_id)` of what changed (None for "everything").
    """

    def __init__(self, path: Path | None = None, lessons: dict[str, dict[str, Any]] | None = None) -> None:
        self.path = path
        self._lessons: dict[str, dict[str, Any]] = lessons or {}
        self.listeners: list[Listener] = []
        self.save_error: str | None = None

    @classmethod
    def load(cls, folder: Path) -> tuple[Progress, Path | None]:
        """Progress from `folder/progress.json` and the backup path if that file was unreadable.

        A bad file that cannot be moved aside is never overwritten: progress then is not saved
        (`path` is None) and `save_error` says why.
        """
        path = folder / FILE_NAME
        try:
            data = read_json(path)
        except Unreadable as bad:
            return cls._fresh(path, bad.backup)
        if data is None:
            return cls(path), None
        lessons = _validated(data)
        if lessons is None:
            return cls._fresh(path, try_move_aside(path))
        return cls(path, lessons), None

    @classmethod
    def _fresh(cls, path: Path, backup: Path | None) -> tuple[Progress, Path | None]:
        if backup is not None:
            return cls(path), backup
        progress = cls(None)
        progress.save_error = f"{path}: unreadable and cannot be moved aside; progress is not saved"
        return progress, None

    # Reading
    def state(self, lesson_id: str, step_id: str) -> str:
        return self._lesson(lesson_id, create=False).get("steps", {}).get(step_id, NOT_STARTED)

    def hints_shown(self, lesson_id: str, step_id: str) -> int:
        return self._lesson(lesson_id, create=False).get("hints", {}).get(step_id, 0)

    def solution_shown(self, lesson_id: str, step_id: str) -> bool:
        return step_id in self._lesson(lesson_id, create=False).get("solutions", [])

    def answers(self, lesson_id: str, step_id: str) -> dict[int, int]:
        """The choices picked for the step's questions: question number (0 = first) -> choice number."""
        given = self._lesson(lesson_id, create=False).get("answers", {}).get(step_id, {})
        return {int(question): choice for question, choice in given.items()}

    def last_step(self, lesson_id: str) -> str | None:
        return self._lesson(lesson_id, create=False).get("last")

    def done_count(self, lesson_id: str, step_ids: Iterable[str]) -> int:
        return sum(1 for step_id in step_ids if self.state(lesson_id, step_id) == DONE)

    # Changing
    def visit(self, lesson_id: str, step_id: str) -> None:
        """Remember `step_id` as the lesson's last step and mark it visited (unless done)."""
        lesson = self._lesson(lesson_id)
        steps = lesson.setdefault("steps", {})
        if lesson.get("last") == step_id and steps.get(step_id) in (VISITED, DONE):
            return
        lesson["last"] = step_id
        if steps.get(step_id) != DONE:
            steps[step_id] = VISITED
        self._changed(lesson_id, step_id)

    def mark_done(self, lesson_id: str, step_id: str, done: bool = True) -> None:
        """Mark a step done (or back to visited with done=False). Live checks call this too."""
        steps = self._lesson(lesson_id).setdefault("steps", {})
        new = DONE if done else VISITED
        if steps.get(step_id) == new:
            return
        steps[step_id] = new
        self._changed(lesson_id, step_id)

    def reveal_hint(self, lesson_id: str, step_id: str, total: int) -> int:
        """Show one more hint (at most `total`); returns how many are shown now."""
        hints = self._lesson(lesson_id).setdefault("hints", {})
        shown = hints.get(step_id, 0)
        if shown < total:
            hints[step_id] = shown + 1
            self._changed(lesson_id, step_id)
        return hints.get(step_id, 0)

    def answer(self, lesson_id: str, step_id: str, question: int, choice: int) -> None:
        """Remember that the learner picked `choice` for the step's question number `question`."""
        given = self._lesson(lesson_id).setdefault("answers", {}).setdefault(step_id, {})
        if given.get(str(question)) != choice:
            given[str(question)] = choice
            self._changed(lesson_id, step_id)

    def show_solution(self, lesson_id: str, step_id: str) -> None:
        solutions = self._lesson(lesson_id).setdefault("solutions", [])
        if step_id not in solutions:
            solutions.append(step_id)
            self._changed(lesson_id, step_id)

    def reset_step(self, lesson_id: str, step_id: str) -> None:
        """Forget everything about one step (state, hints, solution)."""
        lesson = self._lesson(lesson_id)
        lesson.get("steps", {}).pop(step_id, None)
        lesson.get("hints", {}).pop(step_id, None)
        lesson.get("answers", {}).pop(step_id, None)
        if step_id in lesson.get("solutions", []):
            lesson["solutions"].remove(step_id)
        self._changed(lesson_id, step_id)

    def reset_lesson(self, lesson_id: str) -> None:
        self._lessons.pop(lesson_id, None)
        self._changed(lesson_id, None)

    def reset_all(self) -> None:
        self._lessons.clear()
        self._changed(None, None)

    def as_dict(self) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, "lessons": self._lessons}

    def save(self) -> None:
        """Write the file now; a failure is kept in `save_error` instead of raising."""
        if self.path is None:
            return
        try:
            write_json_atomic(self.path, self.as_dict())
            self.save_error = None
        except OSError as exc:
            self.save_error = f"{self.path}: {exc.strerror or exc}"

    def _lesson(self, lesson_id: str, create: bool = True) -> dict[str, Any]:
        if create:
            return self._lessons.setdefault(lesson_id, {})
        return self._lessons.get(lesson_id, {})

    def _changed(self, lesson_id: str | None, step_id: str | None) -> None:
        self.save()
        for listener in list(self.listeners):
            listener(lesson_id, step_id)


def _validated(data: Any) -> dict[str, dict[str, Any]] | None:
    """The lessons part of a progress file, or None when its shape is wrong anywhere."""
    if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
        return None
    lessons: dict[str, dict[str, Any]] = {}
    for lesson_id, lesson in data["lessons"].items():
        if not isinstance(lesson, dict):
            return None
        steps = lesson.get("steps", {})
        hints = lesson.get("hints", {})
        solutions = lesson.get("solutions", [])
        last = lesson.get("last")
        answers = lesson.get("answers", {})
        if not (
            isinstance(steps, dict)
            and all(isinstance(k, str) and v in STATES for k, v in steps.items())
            and isinstance(hints, dict)
            and all(isinstance(k, str) and type(v) is int and v >= 0 for k, v in hints.items())
            and isinstance(solutions, list)
            and all(isinstance(s, str) for s in solutions)
            and (last is None or isinstance(last, str))
            and _valid_answers(answers)
        ):
            return None
        lessons[lesson_id] = {"steps": steps, "hints": hints, "solutions": solutions, "last": last,
                              "answers": answers}
    return lessons


def _valid_answers(answers: Any) -> bool:
    """`{step id: {"question number": choice number}}`, small non-negative numbers only."""
    return isinstance(answers, dict) and all(
        isinstance(step, str) and isinstance(given, dict) and all(
            isinstance(question, str) and question.isdecimal() and len(question) < 4
            and type(choice) is int and 0 <= choice < 100
            for question, choice in given.items())
        for step, given in answers.items())
