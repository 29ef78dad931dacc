"""Progress and settings files: saved atomically, restored, corrupt files moved aside (no Textual)."""

from __future__ import annotations

import json

from tutor.progress import DONE, NOT_STARTED, VISITED, Progress
from tutor.settings import Settings


def test_progress_round_trip(tmp_path):
    progress, backup = Progress.load(tmp_path)
    assert backup is None
    progress.visit("web-server", "intro")
    progress.mark_done("web-server", "install")
    assert progress.reveal_hint("web-server", "install", total=2) == 1
    progress.show_solution("web-server", "install")

    again, _ = Progress.load(tmp_path)
    assert again.state("web-server", "intro") == VISITED
    assert again.state("web-server", "install") == DONE
    assert again.state("web-server", "run") == NOT_STARTED
    assert again.hints_shown("web-server", "install") == 1
    assert again.solution_shown("web-server", "install")
    assert again.last_step("web-server") == "intro"
    assert again.done_count("web-server", ["intro", "install", "run"]) == 1


def test_hints_never_exceed_total(tmp_path):
    progress, _ = Progress.load(tmp_path)
    counts = [progress.reveal_hint("l", "s", total=2) for _ in range(4)]
    assert counts == [1, 2, 2, 2]


def test_visit_keeps_done_and_listeners_hear_changes(tmp_path):
    progress, _ = Progress.load(tmp_path)
    heard = []
    progress.listeners.append(lambda lesson, step: heard.append((lesson, step)))
    progress.mark_done("l", "s")
    progress.visit("l", "s")
    assert progress.state("l", "s") == DONE
    progress.reset_step("l", "s")
    assert progress.state("l", "s") == NOT_STARTED
    assert heard[0] == ("l", "s") and heard[-1] == ("l", "s")


def test_reset_lesson_and_all(tmp_path):
    progress, _ = Progress.load(tmp_path)
    progress.mark_done("a", "1")
    progress.mark_done("b", "1")
    progress.reset_lesson("a")
    assert progress.state("a", "1") == NOT_STARTED and progress.state("b", "1") == DONE
    progress.reset_all()
    assert Progress.load(tmp_path)[0].state("b", "1") == NOT_STARTED


def test_corrupt_progress_is_moved_aside(tmp_path):
    (tmp_path / "progress.json").write_text("{not json", encoding="utf-8")
    progress, backup = Progress.load(tmp_path)
    assert backup is not None and backup.name.startswith("progress.json.bak-")
    assert backup.read_text(encoding="utf-8") == "{not json"
    assert not (tmp_path / "progress.json").exists()
    progress.mark_done("l", "s")
    assert json.loads((tmp_path / "progress.json").read_text())["lessons"]["l"]["steps"] == {"s": "done"}
    assert backup.read_text(encoding="utf-8") == "{not json"


def test_wrong_shape_counts_as_corrupt(tmp_path):
    (tmp_path / "progress.json").write_text(json.dumps({"lessons": {"l": {"steps": {"s": "finished"}}}}))
    progress, backup = Progress.load(tmp_path)
    assert backup is not None
    assert progress.state("l", "s") == NOT_STARTED


def test_no_temp_files_left_behind(tmp_path):
    progress, _ = Progress.load(tmp_path)
    progress.mark_done("l", "s")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json", "progress.json.lock"]  # the lock stays


def test_settings_round_trip_and_dict_access(tmp_path):
    settings, _ = Settings.load(tmp_path)
    assert settings["reduced_motion"] is False
    assert settings.toggle("colour_blind") is True
    settings["hosts"] = {"proxy": "10.0.0.5"}
    settings.language = "en"
    settings.save()
    again, backup = Settings.load(tmp_path)
    assert backup is None
    assert again.colour_blind is True and again.get("hosts") == {"proxy": "10.0.0.5"} and again.language == "en"


def test_settings_ignore_bad_values_and_back_up_bad_json(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"language": "fr", "presenter": "yes", "colour_blind": True}))
    settings, backup = Settings.load(tmp_path)
    assert backup is None
    assert settings.language is None and settings.presenter is False and settings.colour_blind is True
    (tmp_path / "settings.json").write_text("[[[")
    settings, backup = Settings.load(tmp_path)
    assert backup is not None and backup.exists() and settings.colour_blind is False


def test_unmovable_corrupt_file_is_never_overwritten(tmp_path, monkeypatch):
    import tutor.storage as storage

    def refuse(path):
        raise PermissionError("read-only")

    monkeypatch.setattr(storage, "move_aside", refuse)
    (tmp_path / "progress.json").write_text("{bad", encoding="utf-8")
    progress, backup = Progress.load(tmp_path)
    assert backup is None and progress.save_error
    progress.mark_done("l", "s")
    assert (tmp_path / "progress.json").read_text(encoding="utf-8") == "{bad"
