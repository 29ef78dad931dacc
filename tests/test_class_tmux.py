"""Two real `tutor` apps in tmux join a class with `tutor --join URL`, as learners would at their
terminals: they appear on the board, a pushed step reaches both as a banner, Follow opens it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys

import pytest

from class_support import ROOT, ClassProcess
from serve_support import wait_for
from tutor.classroom.board import lesson_catalog

LESSON = lesson_catalog("en")[2]


@pytest.fixture
def tmux(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    socket = f"tutor-class-{os.getpid()}"

    def run(*args: str) -> str:
        return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20).stdout

    yield run
    run("kill-server")


def test_two_tutor_apps_join_and_follow_a_pushed_step(tmp_path, tmux):
    instructor = ClassProcess(tmp_path / "instructor")
    try:
        for name in ("Rina", "Tono"):
            env = f"TUTOR_DATA_DIR={shlex.quote(str(tmp_path / name))} TEXTUAL_ANIMATIONS=none"
            command = f"cd {shlex.quote(str(ROOT))} && {env} {shlex.quote(sys.executable)} -m tutor --lang en " \
                      f"--join {shlex.quote(instructor.join_url)}"
            tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "32", command)
        for name in ("Rina", "Tono"):
            wait_for(lambda: "Join a class" in tmux("capture-pane", "-p", "-t", name), 60, f"{name}'s join dialog")
            tmux("send-keys", "-t", name, "-l", name)
            tmux("send-keys", "-t", name, "Enter")
        for name in ("Rina", "Tono"):
            wait_for(lambda: "You joined the class" in tmux("capture-pane", "-p", "-t", name), 30, f"{name} joined")
            tmux("send-keys", "-t", name, "Enter")  # open the first lesson: the board sees the step
        wait_for(lambda: sorted(r["name"] for r in instructor.board()["learners"] if r["step"]) == ["Rina", "Tono"],
                 30, "both learners on the board")

        target = LESSON["steps"][4]
        instructor.push(kind="step", lesson=LESSON["id"], step=target["id"])
        for name in ("Rina", "Tono"):
            wait_for(lambda: "Your instructor opens" in tmux("capture-pane", "-p", "-t", name), 30, f"{name}'s banner")
            tmux("send-keys", "-t", name, "Enter")  # Follow has the focus
        wait_for(lambda: {r["step"] for r in instructor.board()["learners"]} == {target["id"]}, 30,
                 "both learners on the pushed step")
        for name in ("Rina", "Tono"):
            wait_for(lambda: target["title"] in tmux("capture-pane", "-p", "-t", name), 30, f"{name} on the step")
    finally:
        instructor.close()
