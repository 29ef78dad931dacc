"""No English left in Indonesian mode (the Ctrl+C toast, the palette's empty search, the CLI's
file errors), and one language rule for the app and every command: --lang, else the language
chosen in the app, else LANG, else Indonesian."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from test_cli_language import english_words, run
from tui_support import wait_for
from tutor.app import TutorApp
from tutor.cli.main import chosen_language


async def test_ctrl_c_says_how_to_quit_in_indonesian():
    async with TutorApp(lang="id").run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+c")
        assert await wait_for(pilot, lambda: bool(pilot.app._notifications))
        note = list(pilot.app._notifications)[-1]
        assert note.title == "Mau keluar?" and note.message.startswith("Tekan ")
        assert "quit" not in note.message.lower()


async def test_a_palette_search_without_matches_says_so_in_indonesian():
    async with TutorApp(lang="id").run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"zzqqxx")

        def shown() -> str:
            from textual.command import CommandList

            options = pilot.app.screen.query_one(CommandList).options
            return " ".join(str(getattr(option.prompt, "renderable", option.prompt)) for option in options)

        assert await wait_for(pilot, lambda: "Tidak ada perintah yang cocok" in shown())
        assert "No matches" not in shown()


@pytest.mark.parametrize("argv, expected", [
    (["sim", "nope"], "tidak ada skenario bernama 'nope'"),
    (["sim", "nope.toml"], "nope.toml: berkas ini tidak ada"),
    (["sim", "/"], "/: ini folder"),
    (["lint", "/nonexistent-x"], "/nonexistent-x: berkas atau folder ini tidak ada"),
    (["play", "--nginx-conf", "/nonexistent-x"], "/nonexistent-x: berkas ini tidak ada"),
    (["sim", "--nginx-conf", "/nonexistent-x"], "/nonexistent-x: berkas ini tidak ada"),
    (["sim", "x" * 5000], "tidak ada skenario bernama"),  # a bare name, however long: the one unknown-scenario line
])
def test_file_errors_are_one_indonesian_line(capsys, argv, expected):
    code, out, err = run(capsys, [*argv, "--lang", "id"])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and expected in err, err
    assert not english_words(err.split(":", 1)[1].split("Skenario bawaan")[0]), err


def save_language(lang: str) -> None:
    folder = Path(os.environ["TUTOR_DATA_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(json.dumps({"language": lang}))


def test_one_rule_for_the_app_and_every_command(monkeypatch, capsys):
    monkeypatch.setenv("LANG", "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LANGUAGE", raising=False)
    assert chosen_language(None) == "id"  # nothing saved, LANG says nothing: Indonesian
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert chosen_language(None) == "en"
    save_language("id")  # chosen in the app (F2): wins over LANG
    assert chosen_language(None) == "id"
    assert chosen_language("en") == "en"  # --lang wins over everything
    assert TutorApp(default_lang=chosen_language(None)).lang == "id"  # the app follows the same rule
    save_language("en")
    monkeypatch.setenv("LANG", "C")
    code, out, _ = run(capsys, ["sim", "--help"])
    assert code == 0 and "show this help message" in out
    (Path(os.environ["TUTOR_DATA_DIR"]) / "settings.json").write_text("{not json")
    assert chosen_language(None) == "id"  # a file the CLI cannot read is left alone
    assert (Path(os.environ["TUTOR_DATA_DIR"]) / "settings.json").read_text() == "{not json"


def test_the_rule_is_in_the_help(capsys):
    _, out, _ = run(capsys, ["--help", "--lang", "en"])
    assert "the language chosen in the app (F2), else LANG, else id" in " ".join(out.split())
