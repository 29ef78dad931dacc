"""A visit saved in the background (the lesson screen opening a step never waits for the disk):
in memory and told to the listeners at once, in the file in the order the changes were made, and
nothing lost next to another Progress on the same folder."""

from __future__ import annotations

import types

import tutor.progress as progress_module
from tutor.progress import DONE, NOT_STARTED, VISITED, Progress


class LaterThread:
    """A thread that runs only when joined: the test decides when the background save happens."""

    def __init__(self, target, args=(), name=None) -> None:
        self.target, self.args, self.ran = target, args, False

    def start(self) -> None:
        pass

    def join(self) -> None:
        if not self.ran:
            self.ran = True
            self.target(*self.args)


def test_a_background_visit_is_in_memory_at_once_and_in_the_file_after_settle(tmp_path):
    progress, _ = Progress.load(tmp_path)
    heard = []
    progress.listeners.append(lambda lesson, step: heard.append((lesson, step)))
    progress.visit("l", "s1", background=True)
    assert progress.state("l", "s1") == VISITED and progress.last_step("l") == "s1" and heard == [("l", "s1")]
    progress.settle()
    again, _ = Progress.load(tmp_path)
    assert again.state("l", "s1") == VISITED and again.last_step("l") == "s1"


def test_the_next_change_waits_for_the_background_save(tmp_path, monkeypatch):
    monkeypatch.setattr(progress_module, "threading", types.SimpleNamespace(Thread=LaterThread))
    progress, _ = Progress.load(tmp_path)
    progress.visit("l", "s1", background=True)
    progress.reset_step("l", "s1")  # made after the visit: the file must end without it
    progress.mark_done("l", "s2")
    progress.settle()
    again, _ = Progress.load(tmp_path)
    assert again.state("l", "s1") == NOT_STARTED and again.state("l", "s2") == DONE
    assert progress.state("l", "s1") == NOT_STARTED


def test_background_visits_next_to_another_progress_lose_nothing(tmp_path):
    mine, _ = Progress.load(tmp_path)
    other, _ = Progress.load(tmp_path)  # the other process (a `tutor serve` tab) on the same folder
    for i in range(20):
        mine.visit("web", f"step-{i}", background=True)
        other.mark_done("proxy", f"step-{i}")
    mine.settle()
    mine.mark_done("web", "step-0")
    final, _ = Progress.load(tmp_path)
    assert [final.state("web", f"step-{i}") for i in range(1, 20)] == [VISITED] * 19
    assert final.state("web", "step-0") == DONE and final.last_step("web") == "step-19"
    assert [final.state("proxy", f"step-{i}") for i in range(20)] == [DONE] * 20
    assert mine.state("proxy", "step-19") == DONE  # the next change took the file into memory
