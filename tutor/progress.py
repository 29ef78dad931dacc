"""The learner's progress: per lesson, each step's state, hints shown, solutions shown, answers
given to the step's questions, last step.

Saved to `user_data_dir()/progress.json` after every change, under a lock and merged with the
file as it is then, so that two processes on one data folder (a terminal and a `tutor serve` tab)
lose none of each other's progress. A visit (opening a step) may be saved in the background
(`visit(..., background=True)`), so that opening a step never waits for the disk; the next change
waits for it, so changes reach the file in the order they were made. A file that cannot be read is moved aside
(`progress.json.bak-<timestamp>`) and the learner starts with empty progress.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tutor.storage import Unreadable, locked, read_json, try_move_aside, write_json_atomic

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
        self._saving: threading.Thread | None = None  # a visit being saved in the background

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
        return self._lesson(lesson_id).get("steps", {}).get(step_id, NOT_STARTED)

    def hints_shown(self, lesson_id: str, step_id: str) -> int:
        return self._lesson(lesson_id).get("hints", {}).get(step_id, 0)

    def solution_shown(self, lesson_id: str, step_id: str) -> bool:
        return step_id in self._lesson(lesson_id).get("solutions", [])

    def answers(self, lesson_id: str, step_id: str) -> dict[int, int]:
        """The choices picked for the step's questions: question number (0 = first) -> choice number."""
        given = self._lesson(lesson_id).get("answers", {}).get(step_id, {})
        return {int(question): choice for question, choice in given.items()}

    def last_step(self, lesson_id: str) -> str | None:
        return self._lesson(lesson_id).get("last")

    def done_count(self, lesson_id: str, step_ids: Iterable[str]) -> int:
        return sum(1 for step_id in step_ids if self.state(lesson_id, step_id) == DONE)

    # Changing: each change is a function of the lessons dict, made under the file's lock to the
    # file as it is now (another process may have saved since), so no process's save is lost.
    def visit(self, lesson_id: str, step_id: str, *, background: bool = False) -> None:
        """Remember `step_id` as the lesson's last step and mark it visited (unless done).

        `background=True` (the lesson screen): in memory and told to the listeners now, written to
        the file by a thread (see `settle`)."""
        def change(lessons: dict[str, dict[str, Any]]) -> bool:
            lesson = lessons.setdefault(lesson_id, {})
            steps = lesson.setdefault("steps", {})
            if lesson.get("last") == step_id and steps.get(step_id) in (VISITED, DONE):
                return False
            lesson["last"] = step_id
            if steps.get(step_id) != DONE:
                steps[step_id] = VISITED
            return True

        self._update(lesson_id, step_id, change, background=background)

    def mark_done(self, lesson_id: str, step_id: str, done: bool = True) -> None:
        """Mark a step done (or back to visited with done=False). Live checks call this too."""
        def change(lessons: dict[str, dict[str, Any]]) -> bool:
            steps = lessons.setdefault(lesson_id, {}).setdefault("steps", {})
            new = DONE if done else VISITED
            if steps.get(step_id) == new:
                return False
            steps[step_id] = new
            return True

        self._update(lesson_id, step_id, change)

    def reveal_hint(self, lesson_id: str, step_id: str, total: int) -> int:
        """Show one more hint (at most `total`); returns how many are shown now."""
        def change(lessons: dict[str, dict[str, Any]]) -> bool:
            hints = lessons.setdefault(lesson_id, {}).setdefault("hints", {})
            shown = hints.get(step_id, 0)
            if shown >= total:
                return False
            hints[step_id] = shown + 1
            return True

        self._update(lesson_id, step_id, change)
        return self.hints_shown(lesson_id, step_id)

    def answer(self, lesson_id: str, step_id: str, question: int, choice: int) -> None:
        """Remember that the learner picked `choice` for the step's question number `question`."""
        def change(lessons: dict[str, dict[str, Any]]) -> bool:
            given = lessons.setdefault(lesson_id, {}).setdefault("answers", {}).setdefault(step_id, {})
            if given.get(str(question)) == choice:
                return False
            given[str(question)] = choice
            return True

        self._update(lesson_id, step_id, change)

    def show_solution(self, lesson_id: str, step_id: str) -> None:
        def change(lessons: dict[str, dict[str, Any]]) -> bool:
            solutions = lessons.setdefault(lesson_id, {}).setdefault("solutions", [])
            if step_id in solutions:
                return False
            solutions.append(step_id)
            return True

        self._update(lesson_id, step_id, change)

    def reset_step(self, lesson_id: str, step_id: str) -> None:
        """Forget everything about one step (state, hints, solution)."""
        def change(lessons: dict[str, dict[str, Any]]) -> bool:
            lesson = lessons.setdefault(lesson_id, {})
            lesson.get("steps", {}).pop(step_id, None)
            lesson.get("hints", {}).pop(step_id, None)
            lesson.get("answers", {}).pop(step_id, None)
            if step_id in lesson.get("solutions", []):
                lesson["solutions"].remove(step_id)
            return True

        self._update(lesson_id, step_id, change)

    def reset_lesson(self, lesson_id: str) -> None:
        def change(lessons: dict[str, dict[str, Any]]) -> bool:
            lessons.pop(lesson_id, None)
            return True

        self._update(lesson_id, None, change)

    def reset_all(self) -> None:
        def change(lessons: dict[str, dict[str, Any]]) -> bool:
            lessons.clear()
            return True

        self._update(None, None, change)

    def as_dict(self) -> dict[str, Any]:
        return _document(self._lessons)

    def save(self) -> None:
        """Write the file now, merged with what other processes saved; a failure is kept in
        `save_error` instead of raising."""
        self._update(None, None, lambda _lessons: True, notify=False)

    def _lesson(self, lesson_id: str) -> dict[str, Any]:
        return self._lessons.get(lesson_id, {})

    def settle(self) -> None:
        """Wait until a visit saved in the background is in the file."""
        saving = self._saving
        if saving is not None:
            saving.join()
            self._saving = None

    def _update(self, lesson_id: str | None, step_id: str | None,
                change: Callable[[dict[str, dict[str, Any]]], bool], notify: bool = True,
                background: bool = False) -> None:
        """Apply `change` to the saved file's lessons under its lock (to memory alone when progress
        is not saved), write them if it changed anything, then tell the listeners. `background`:
        to memory now, to the file in a thread."""
        self.settle()  # the file first gets the change made before this one
        applied = changed = False
        if self.path is not None and background:
            changed, applied = change(self._lessons), True
            if changed:
                self._saving = threading.Thread(target=self._save_in_background, args=(self.path, change),
                                                name="progress-save")
                self._saving.start()
        elif self.path is not None:
            try:
                with locked(self.path):
                    writable = self._reload(self.path)
                    changed, applied = change(self._lessons), True
                    if changed and writable:
                        write_json_atomic(self.path, self.as_dict())
                        self.save_error = None
            except OSError as exc:
                self.save_error = f"{self.path}: {exc.strerror or exc}"
        if not applied:
            changed = change(self._lessons)
        if changed and notify:
            for listener in list(self.listeners):
                listener(lesson_id, step_id)

    def _save_in_background(self, path: Path, change: Callable[[dict[str, dict[str, Any]]], bool]) -> None:
        """The file as it is now (another process may have saved since) with `change`, written under
        its lock. Memory has the change already; what others saved reaches it with the next change."""
        try:
            with locked(path):
                writable, lessons = self._on_disk(path)
                lessons = self._lessons if lessons is None else lessons
                change(lessons)
                if writable:
                    write_json_atomic(path, _document(lessons))
                    self.save_error = None
        except OSError as exc:
            self.save_error = f"{path}: {exc.strerror or exc}"

    def _reload(self, path: Path) -> bool:
        """Take the lessons from the file `path` as it is now; False when it must not be overwritten
        (no longer ours and it cannot be moved aside: `save_error` says so)."""
        writable, lessons = self._on_disk(path)
        if lessons is not None:
            self._lessons = lessons
        return writable

    def _on_disk(self, path: Path) -> tuple[bool, dict[str, dict[str, Any]] | None]:
        """(whether the file may be written, the lessons in it: None when it is gone or moved aside)."""
        try:
            data = read_json(path)
        except Unreadable as bad:
            return self._moved(bad.backup), None
        if data is None:
            return True, None  # gone: this process's lessons are written back
        lessons = _validated(data)
        if lessons is None:
            return self._moved(try_move_aside(path)), None
        return True, lessons

    def _moved(self, backup: Path | None) -> bool:
        if backup is None:
            self.save_error = f"{self.path}: unreadable and cannot be moved aside; progress is not saved"
        return backup is not None


def _document(lessons: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The progress file's content for `lessons`."""
    return {"version": FORMAT_VERSION, "lessons": lessons}


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
