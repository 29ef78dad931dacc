"""Two processes on one data folder (the terminal and a `tutor serve` tab, by design) lose nothing.

Each change is made under the file's lock to the file as it is on disk (tutor.storage.locked):
before, each process rewrote the whole file from its memory and the last save won (two processes
saving in a loop lost 2,483 of 5,106 saves that had returned).
"""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from test_fuzz import FUZZ
from tutor.progress import DONE, Progress
from tutor.settings import Settings

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
SAVES = 250  # per process: enough to interleave thousands of times on 2 cores, a few seconds in all

WORKER = """
import sys, time
from pathlib import Path
from tutor.progress import Progress
from tutor.settings import Settings

folder, me, saves = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
(folder / f"ready-{me}").touch()
deadline = time.monotonic() + 60
while not all((folder / f"ready-{who}").exists() for who in ("a", "b")):  # start together
    if time.monotonic() > deadline:
        sys.exit("the other worker never started")
progress, _ = Progress.load(folder)
settings, _ = Settings.load(folder)
for i in range(saves):
    progress.mark_done(f"lesson-{me}", f"step-{i}")
    assert progress.save_error is None, progress.save_error
    if me == "a":
        settings["keymap"] = {"lesson.next": f"f{i % 12 + 1}"}
    else:
        settings["domain"] = f"site{i}.example"
print("saved", saves)
"""


def test_two_processes_saving_in_a_loop_lose_no_save(tmp_path):
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path), me, str(SAVES)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for me in ("a", "b")]
    outcomes = [worker.communicate(timeout=300) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outcomes
    progress, backup = Progress.load(tmp_path)
    assert backup is None
    for me in ("a", "b"):
        saved = {f"step-{i}" for i in range(SAVES)}
        lost = sorted(step for step in saved if progress.state(f"lesson-{me}", step) != DONE)
        assert lost == [], f"{len(lost)} of {SAVES} saves of worker {me} lost"
    settings = json.loads((tmp_path / "settings.json").read_text())
    assert settings["keymap"] == {"lesson.next": f"f{(SAVES - 1) % 12 + 1}"}  # a's last save
    assert settings["domain"] == f"site{SAVES - 1}.example"  # b's last save


# Changes of two Progress objects on one folder, interleaved in any order, end as if one object
# had made them all (in that order).
OPS = st.lists(st.tuples(st.sampled_from([0, 1]),
                         st.sampled_from(["visit", "done", "undone", "hint", "solution", "reset_step",
                                          "reset_lesson"]),
                         st.sampled_from(["l1", "l2"]), st.sampled_from(["s1", "s2", "s3"])), max_size=25)


def _apply(progress: Progress, op: str, lesson: str, step: str) -> None:
    {"visit": lambda: progress.visit(lesson, step),
     "done": lambda: progress.mark_done(lesson, step),
     "undone": lambda: progress.mark_done(lesson, step, done=False),
     "hint": lambda: progress.reveal_hint(lesson, step, 2),
     "solution": lambda: progress.show_solution(lesson, step),
     "reset_step": lambda: progress.reset_step(lesson, step),
     "reset_lesson": lambda: progress.reset_lesson(lesson)}[op]()


def _summary(progress: Progress) -> list:
    return [(lesson, step, progress.state(lesson, step), progress.hints_shown(lesson, step),
             progress.solution_shown(lesson, step)) for lesson in ("l1", "l2") for step in ("s1", "s2", "s3")]


@FUZZ
@given(OPS)
def test_fuzz_two_progress_objects_on_one_folder_merge_every_change(ops):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="tutor-merge-") as folder:
        twins = [Progress.load(Path(folder))[0], Progress.load(Path(folder))[0]]
        model = Progress(None)  # one object making every change, in memory only
        for who, op, lesson, step in ops:
            _apply(twins[who], op, lesson, step)
            _apply(model, op, lesson, step)
        assert _summary(Progress.load(Path(folder))[0]) == _summary(model)


def test_a_file_spoiled_by_another_process_is_moved_aside_and_nothing_of_ours_lost(tmp_path):
    progress, _ = Progress.load(tmp_path)
    progress.mark_done("l", "s1")
    (tmp_path / "progress.json").write_text("{not json")  # another program, mid-session
    progress.mark_done("l", "s2")
    backups = sorted(tmp_path.glob("progress.json.bak-*"))
    assert len(backups) == 1 and backups[0].read_text() == "{not json"
    again, backup = Progress.load(tmp_path)
    assert backup is None and [again.state("l", s) for s in ("s1", "s2")] == [DONE, DONE]
    (tmp_path / "settings.json").write_text("[1, 2")
    settings, _ = Settings.load(tmp_path)
    settings["domain"] = "mine.example"
    assert json.loads((tmp_path / "settings.json").read_text())["domain"] == "mine.example"
