"""The drill files: every shipped drill is usable, tied to a lesson step, and starts from the lesson's
own end state; broken drill files are refused with the file and the reason."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from lesson_lab import read_plan
from tutor.drills.model import DrillError, fill, load_drill
from tutor.drills.session import catalogue
from tutor.lessons.loader import load_lessons
from tutor.paths import drills_dir, lessons_dir

DRILLS, BASELINE = catalogue()
LESSONS = {lesson.id: lesson for lesson in load_lessons(lessons_dir()).lessons}
GOOD = (drills_dir() / "07-app-stopped" / "drill.toml").read_text(encoding="utf-8")


def test_at_least_twelve_drills_each_a_family_of_variants():
    assert len(DRILLS) >= 12
    assert all(len(drill.variants) >= 2 for drill in DRILLS)
    assert len({drill.id for drill in DRILLS}) == len(DRILLS)


@pytest.mark.parametrize("drill", DRILLS, ids=lambda d: d.id)
def test_each_drill_points_at_a_lesson_step_that_exists(drill):
    lesson = LESSONS[drill.lesson]
    assert drill.step in [step.id for step in lesson.steps]


@pytest.mark.parametrize("drill", DRILLS, ids=lambda d: d.id)
def test_variants_differ_in_what_the_learner_meets(drill):
    """A family: the variants' faults are not one text, so the answer cannot be memorised."""
    faults = {tuple(action.filled(drill.values(i)) for action in drill.fault) for i in range(len(drill.variants))}
    assert len(faults) == len(drill.variants)


def test_the_baseline_is_lesson_3s_own_config():
    upstream = next(plan for plan in read_plan(LESSONS["load-balancing"], "en") if plan.id == "upstream-config")
    lesson_files = upstream.files()
    for path, content in BASELINE.files:
        assert lesson_files[path] == fill(content, BASELINE.values())


def test_drill_list_json_names_every_drill_in_both_languages():
    done = subprocess.run([sys.executable, "-m", "tutor", "drill", "list", "--json"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)["drills"]
    assert [d["id"] for d in listed] == [d.id for d in DRILLS]
    assert all(d["title"]["id"] and d["title"]["en"] and d["title"]["id"] != d["title"]["en"] for d in listed)


BROKEN = {
    "unknown verb": (GOOD.replace('app = "stop"\nmachine = "{app}"', 'shell = "rm -rf /"'), "names one of"),
    "unknown name": (GOOD.replace("Since the {app} VM", "Since the {vm} VM"), "unknown name {vm}"),
    "one language": (re.sub(r'title = \{ id = "[^"]*", ', "title = { ", GOOD), "`title` needs"),
    "one variant": (GOOD.replace('    { app = "app2" },\n', ""), "at least two"),
    "edit outside /etc": (GOOD.replace('[[fix]]\napp = "start"\nmachine = "{app}"',
                                       '[[fix]]\nedit = "/root/.bashrc"\nfind = "a"\nreplace = "b"'), "under /etc/"),
    "machine not an app": (GOOD.replace('machine = "{app}"', 'machine = "proxy"', 1), "drills use app1 or app2"),
    "two hints": (GOOD[:GOOD.rindex("[[hint]]")] + GOOD[GOOD.index("[reveal]"):], "three [[hint]]"),
    "bad check": (GOOD + '\n[judge]\nchecks = ["rm"]\n', "judge.checks"),
}


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_a_broken_drill_file_is_refused_with_its_reason(tmp_path, case):
    text, reason = BROKEN[case]
    assert text != GOOD, "the fixture did not change the drill"
    folder = tmp_path / "07-app-stopped"
    folder.mkdir()
    (folder / "drill.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DrillError) as caught:
        load_drill(folder / "drill.toml")
    assert str(caught.value).startswith(str(folder / "drill.toml")) and reason in str(caught.value)


def test_the_good_fixture_loads(tmp_path):
    folder = tmp_path / "07-app-stopped"
    folder.mkdir()
    (folder / "drill.toml").write_text(GOOD, encoding="utf-8")
    assert load_drill(folder / "drill.toml").id == "app-stopped"


def test_an_oversized_or_binary_drill_file_is_refused(tmp_path):
    folder = tmp_path / "01-big"
    folder.mkdir()
    path = folder / "drill.toml"
    path.write_bytes(b"id = 'big'\n" + b"#" * 100_000)
    with pytest.raises(DrillError, match="larger than"):
        load_drill(path)
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DrillError):
        load_drill(path)


def test_drill_without_a_lab_says_so_in_one_line():
    done = subprocess.run([sys.executable, "-m", "tutor", "drill", "check", "--prefix", "zzdrillnone"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_drill_outcome_reaches_the_class_outbox_when_the_learner_joined(tmp_path, monkeypatch):
    """`tutor drill` (or the TUI) queues the outcome in the learner's class outbox; the app sends it."""
    import time
    from types import SimpleNamespace

    from tutor.classroom.client import Membership, Outbox
    from tutor.drills import session

    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    lab = SimpleNamespace(data=tmp_path / "lab")
    lab.data.mkdir()
    running = session.Running(DRILLS[0], 5, 1, time.time() - 90, hints=2)
    session.finish(lab, running, "gave_up")  # not joined: nothing queued
    assert not (tmp_path / "class-outbox.sqlite").exists() or len(Outbox(tmp_path)) == 0
    Membership.new("http://127.0.0.1:9/?token=abc", "Siti").save(tmp_path)
    session.finish(lab, running, "solved")
    outbox = Outbox(tmp_path)
    events = outbox.first()
    outbox.close()
    assert [(e["kind"], e["drill"], e["outcome"]) for e in events] == [("drill", DRILLS[0].id, "solved")]
    assert [r["outcome"] for r in session.history()] == ["gave_up", "solved"]


@pytest.mark.parametrize("lang, words", [("id", "tidak berisi 'upstream'"), ("en", "does not contain 'upstream'")])
def test_a_drill_the_lab_cannot_set_up_is_one_line_in_the_learners_language(monkeypatch, capsys, lang, words):
    import argparse

    from tutor.cli import drill as drill_command
    from tutor.drills import act as act_module, session
    from tutor.drills.actions import ActionFailed
    from tutor.lab import lab as lab_module

    class UpLab:
        def require_up(self) -> None:
            pass

    def fails(*_args, **_kwargs):
        raise ActionFailed("find", path="/etc/nginx/sites-enabled/default", role="proxy", find="upstream")

    monkeypatch.setattr(lab_module, "require_root", lambda: None)
    monkeypatch.setattr(lab_module.Lab, "as_built", classmethod(lambda cls, prefix=None: UpLab()))
    monkeypatch.setattr(act_module, "act", fails)
    args = argparse.Namespace(drill_command="start", name=session.catalogue()[0][0].id, seed=None, prefix=None,
                              json=False, lang=lang)
    assert drill_command.run(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and words in err and "/etc/nginx/sites-enabled/default" in err
