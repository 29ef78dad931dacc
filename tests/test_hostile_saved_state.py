"""Hostile saved state: progress.json and settings.json that are no longer ours.

Each is moved aside (a backup the learner is told about) and the app starts; nothing hangs,
nothing is lost, and a save interrupted half way never destroys the previous file.
"""

from __future__ import annotations

import json
import os
import time

import pytest

import tutor.storage as storage
from hostile import terminal_safe
from tutor.progress import DONE, Progress
from tutor.settings import Settings

GOOD = {"version": 1, "lessons": {"web-server": {"steps": {"intro": "done"}, "hints": {}, "solutions": [],
                                                   "last": "intro"}}}


@pytest.mark.parametrize("name", ["progress.json", "settings.json"])
@pytest.mark.parametrize("content", [
    "[" * 100_000 + "]" * 100_000,          # RecursionError in json.loads
    "null", "[]", "3", '"text"',             # JSON, but no object: say so, keep a backup
    b"\xff\xfe{}",                           # not UTF-8
], ids=["nested", "null", "list", "number", "string", "not-utf8"])
def test_a_file_that_is_not_ours_is_moved_aside(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    loader = Progress.load if name == "progress.json" else Settings.load
    loaded, backup = loader(tmp_path)
    assert backup is not None and backup.read_bytes()[:10] == path.with_name(backup.name).read_bytes()[:10]
    assert not path.exists()
    if name == "progress.json":
        loaded.mark_done("web-server", "intro")
        assert json.loads(path.read_text())["lessons"]["web-server"]["steps"]["intro"] == DONE


@pytest.mark.parametrize("name", ["progress.json", "settings.json"])
def test_a_fifo_is_moved_aside_instead_of_blocking_the_start(tmp_path, name):
    os.mkfifo(tmp_path / name)
    loader = Progress.load if name == "progress.json" else Settings.load
    _, backup = loader(tmp_path)  # used to block in open() until someone wrote to the pipe
    assert backup is not None and not (tmp_path / name).exists()


def test_a_huge_progress_file_is_moved_aside_not_rewritten_on_every_change(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "MAX_BYTES", 10_000)
    lessons = {f"lesson-{i}": {"steps": {"a": "done"}} for i in range(1000)}
    (tmp_path / "progress.json").write_text(json.dumps({"version": 1, "lessons": lessons}))
    progress, backup = Progress.load(tmp_path)
    assert backup is not None and backup.stat().st_size > 10_000
    progress.visit("web-server", "intro")
    assert (tmp_path / "progress.json").stat().st_size < 1000


def test_orphaned_temporary_files_of_interrupted_saves_are_removed(tmp_path):
    old = [tmp_path / f".progress.json.{i}.tmp" for i in range(156)]
    for path in old:
        path.write_text("{")
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    fresh = tmp_path / ".progress.json.now.tmp"  # a save running right now keeps its file
    fresh.write_text("{")
    other = tmp_path / ".notes.txt.1.tmp"
    other.write_text("x")
    Progress.load(tmp_path)
    assert not any(path.exists() for path in old)
    assert fresh.exists() and other.exists()


def test_a_crash_in_the_middle_of_a_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    """Regression (1): progress is written to a temporary file and renamed, never in place."""
    path = tmp_path / "progress.json"
    path.write_text(json.dumps(GOOD))
    progress, _ = Progress.load(tmp_path)
    real_dump = json.dump

    def crash_half_way(data, handle, **kwargs):
        text = json.dumps(data, **kwargs)
        handle.write(text[: len(text) // 2])
        handle.flush()
        raise KeyboardInterrupt  # the process dies here (Ctrl+C, a kill, a power cut)

    monkeypatch.setattr(json, "dump", crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        progress.mark_done("web-server", "second")
    monkeypatch.setattr(json, "dump", real_dump)
    assert json.loads(path.read_text()) == GOOD
    assert list(tmp_path.glob(".progress.json.*.tmp")) == []
    again, backup = Progress.load(tmp_path)
    assert backup is None and again.state("web-server", "intro") == DONE


def test_saved_machines_are_checked_like_typed_ones(tmp_path):
    hostile = {"hosts": {"app1": "10.0.0.1\u202e", "app2": "10.0.0.2:" + "9" * 5000,
                         "app3": "a\x1b]52;c;SGVsbG8=\x07.b", "proxy": "10.37.19.64"},
               "vms": {"proxy": "vm\x1b[2J"}, "domain": "x\x1b]52;c;x\x07.com", "language": "en"}
    (tmp_path / "settings.json").write_text(json.dumps(hostile))
    settings, backup = Settings.load(tmp_path)
    assert backup is None and settings.language == "en"
    assert settings.hosts == {} and settings.vms == {} and settings.domain is None
    unusable = {"app1": "10.0.0.300", "app2": "10.0.0.2:²"}  # kept: the checks explain them
    (tmp_path / "settings.json").write_text(json.dumps({"hosts": unusable}))
    assert Settings.load(tmp_path)[0].hosts == unusable
    hostile["hosts"] = {"proxy": "10.37.19.64", "app1": "[::1]:3000"}
    (tmp_path / "settings.json").write_text(json.dumps(hostile))
    assert Settings.load(tmp_path)[0].hosts == hostile["hosts"]


def test_multipass_output_cannot_smuggle_escapes_into_names_or_addresses():
    from tutor.live.multipass import parse_multipass_json

    text = json.dumps({"list": [
        {"name": "app1", "state": "Running", "ipv4": ["10.37.19.46", "x\x1b]52;c;x\x07"], "release": "22.04"},
        {"name": "evil\x1b]52;c;SGVsbG8=\x07", "state": "Running", "ipv4": ["10.37.19.47"]},
        {"name": "proxy", "state": "Run\x1b[2Jning", "ipv4": ["10.37.19.64"], "release": "\u202eLTS"}]})
    vms = parse_multipass_json(text)
    assert [(vm.name, vm.ipv4) for vm in vms] == [("app1", ("10.37.19.46",)), ("proxy", ("10.37.19.64",))]
    assert all(terminal_safe(vm.describe() + vm.state + vm.release) for vm in vms)


async def test_a_progress_file_holding_null_is_announced_with_its_backup(tmp_path, monkeypatch):
    """`null` used to mean "no progress" silently; now the learner is told, and the file is kept."""
    from tutor.app import TutorApp

    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    (tmp_path / "progress.json").write_text("null")
    app = TutorApp(lang="en")
    [(key, values)] = app.startup_notices
    assert key == "notice.progress_corrupt" and (tmp_path / values["backup"]).read_text() == "null"
    assert "`null`" in app.t(key, **values)
