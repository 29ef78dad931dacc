"""The app's one link to a class: turns what the learner does into events, and pushes into banners.

`TutorApp` owns one `Reporter` (`app.classroom`); every hook is a no-op while the learner has not
joined. The hooks: `step_opened` (the lesson screen), `checks_ran` (the check panel), `answered`
(a predict question), and the progress listener for steps done and hints. Pushes arrive in the
client's thread and are handed to the app's thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from functools import partial
from typing import Any

from tutor.classroom.client import ClassClient, Membership
from tutor.i18n import tr
from tutor.progress import DONE

TEXT = "classroom"


class Reporter:
    """A learner's membership of a class, seen from the app (`app` is a TutorApp)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.membership = Membership.load(app.data_dir)
        self.client: ClassClient | None = None
        self.hand = False
        self._where: tuple[str, str] | None = None
        self._seen: dict[tuple[str, str], tuple[bool, int]] = {}  # (lesson, step) -> (done, hints shown)

    @property
    def joined(self) -> bool:
        return self.client is not None

    def t(self, key: str, **values: object) -> str:
        return tr(TEXT, key, self.app.lang, **values)

    # Joining and leaving
    def start(self) -> None:
        """Reconnect to the class saved in the data folder, if any (at app start)."""
        if self.membership is not None and self.client is None:
            self._connect(self.membership)

    def join(self, membership: Membership) -> None:
        """Join (or rejoin under another name); the membership is saved in the data folder."""
        self.stop()
        old = self.membership
        if old is not None and (old.origin, old.token) == (membership.origin, membership.token):
            membership = replace(membership, learner=old.learner)  # the same class: the same row on the board
        elif old is not None:
            Membership.forget(self.app.data_dir)  # another class: nothing queued for the old one goes there
        membership.save(self.app.data_dir)
        self.membership = membership
        self._connect(membership)
        self.app.notify(self.t("join.joined", name=membership.name))
        if self._where is not None:
            self._send("step_opened", lesson=self._where[0], step=self._where[1])

    def leave(self) -> None:
        self.stop()
        Membership.forget(self.app.data_dir)
        self.membership = None
        self.hand = False
        self.app.notify(self.t("join.left"))

    def stop(self) -> None:
        if self.client is not None:
            self.client.stop()
            self.client = None

    def _connect(self, membership: Membership) -> None:
        self._seen = self._progress_snapshot()
        self._loop = asyncio.get_running_loop()
        self.client = ClassClient(self.app.data_dir, membership, on_push=self._pushed, on_status=self._status)
        self.client.start()

    def _send(self, kind: str, **fields: Any) -> None:
        if self.client is not None:
            self.client.send(kind, **fields)

    # Hooks
    def step_opened(self, lesson_id: str, step_id: str) -> None:
        if self._where != (lesson_id, step_id):
            self._where = (lesson_id, step_id)
            self._send("step_opened", lesson=lesson_id, step=step_id)

    def checks_ran(self, results: list[Any]) -> None:
        for result in results:
            self._send("check", check=result.check, ok=bool(result.ok), code=result.code)

    def answered(self, question: str, right: bool) -> None:
        self._send("answer", question=question, right=bool(right))

    def toggle_hand(self) -> None:
        if self.client is None:
            return
        self.hand = not self.hand
        self._send("hand", up=self.hand)
        self.app.notify(self.t("hand.up" if self.hand else "hand.down"))

    def progress_changed(self, lesson_id: str | None, step_id: str | None) -> None:
        """Progress listener: a step newly done, a further hint opened."""
        if self.client is None or lesson_id is None or step_id is None:
            self._seen = self._progress_snapshot()
            return
        progress = self.app.progress
        done, hints = progress.state(lesson_id, step_id) == DONE, progress.hints_shown(lesson_id, step_id)
        was_done, had_hints = self._seen.get((lesson_id, step_id), (False, 0))
        self._seen[(lesson_id, step_id)] = (done, hints)
        if done and not was_done:
            self._send("step_done", lesson=lesson_id, step=step_id)
        if hints > had_hints:
            self._send("hint", rung=hints, lesson=lesson_id, step=step_id)

    def _progress_snapshot(self) -> dict[tuple[str, str], tuple[bool, int]]:
        progress = self.app.progress
        return {(lesson.id, step.id): (progress.state(lesson.id, step.id) == DONE, progress.hints_shown(lesson.id, step.id))
                for lesson in self.app.lessons.lessons for step in lesson.steps}

    # From the client's thread
    def _pushed(self, push: dict[str, Any]) -> None:
        self._in_app(self._show_push, push)

    def _status(self, state: str) -> None:
        self._in_app(self.app.notify, self.t(f"status.{state}"),
                     severity="information" if state == "online" else "warning")

    def _in_app(self, callback, *args: Any, **kwargs: Any) -> None:
        """Run `callback` in the app's event loop soon (never waits: the app may be closing)."""
        try:
            self._loop.call_soon_threadsafe(self.app.call_later, partial(callback, *args, **kwargs))
        except RuntimeError:  # the loop is closed: the app has ended
            pass

    def _show_push(self, push: dict[str, Any]) -> None:
        from tutor.classroom.screens import show_push

        show_push(self.app, push)
