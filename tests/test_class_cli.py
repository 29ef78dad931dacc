"""`tutor class serve` on the command line: one-line usage errors (exit 2), --public's warning, the
same tokens after a restart on the same data folder."""

from __future__ import annotations

import pytest

from class_support import ClassProcess
from serve_support import wait_for
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
