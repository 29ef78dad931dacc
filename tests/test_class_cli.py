"""`tutor class serve` on the command line: one-line usage errors (exit 2), --public's warning, the
same tokens after a restart on the same data folder; damaged files on either side."""

from __future__ import annotations

import json

import pytest

from class_support import ClassProcess
from serve_support import wait_for
from tutor.classroom.client import MEMBERSHIP, Membership
from tutor.cli import main


@pytest.mark.parametrize("args,reason", [
    (["--port", "http"], "--port must be a number from 0 to 65535"),
    (["--port", "70000"], "--port must be a number from 0 to 65535"),
    (["--max-learners", "0"], "--max-learners must be a number from 1 to 10000"),
    (["--title", "a\nb"], "--title must be one line"),
    (["--bind", "0.0.0.0"], "0.0.0.0 is not a loopback address; add --public"),
])
def test_bad_arguments_are_one_line_and_exit_2(capsys, args, reason):
    assert main(["class", "serve", "--lang", "en", *args]) == 2
    err = capsys.readouterr().err
    assert reason in err and err.count("\n") == 1 and err.startswith("tutor class serve: ")


def test_bad_arguments_in_indonesian(capsys):
    assert main(["class", "serve", "--lang", "id", "--bind", "0.0.0.0"]) == 2
    assert "bukan alamat loopback" in capsys.readouterr().err


def test_public_warns_and_a_restart_keeps_the_tokens(tmp_path):
    server = ClassProcess(tmp_path, "--public", "--title", "B12")
    try:
        wait_for(lambda: any("WARNING" in line for line in server.stderr), 10, "the --public warning")
        urls = (server.join_url, server.board_url)
        assert server.join_url.split("token=")[1] != server.board_url.split("token=")[1]
        assert server.close() == 0
        server.start()
        assert (server.join_url, server.board_url) == urls
    finally:
        server.close()


def test_a_class_file_that_is_no_database_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "class.sqlite").write_bytes(b"not a database at all" * 100)
    assert main(["class", "serve", "--lang", "en", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tutor class serve: cannot open the class in ") and err.count("\n") == 1


@pytest.mark.parametrize("saved", [
    {"origin": 5, "token": "t", "name": "A", "learner": "a"},
    {"origin": "http://x:1", "token": "bad token", "name": "A", "learner": "a"},
    {"origin": "file:///etc", "token": "t", "name": "A", "learner": "a"},
    {"origin": "http://x:1", "token": "t", "name": "", "learner": "a"},
    {"origin": "http://x:1", "token": "t", "name": "A", "learner": "../a"},
    {"origin": "http://x:1", "token": "t"},
])
def test_a_damaged_membership_file_is_no_membership(tmp_path, saved):
    (tmp_path / MEMBERSHIP).write_text(json.dumps(saved))
    assert Membership.load(tmp_path) is None


def test_a_good_membership_file_loads(tmp_path):
    Membership("http://127.0.0.1:8100", "tok", "Ayu", "ab12").save(tmp_path)
    assert Membership.load(tmp_path) == Membership("http://127.0.0.1:8100", "tok", "Ayu", "ab12")
