"""The command line speaks the learner's language: every --help, argparse's own words, usage errors
(one line, exit 2) and the reasons `tutor check` gives, with --lang anywhere or from LANG."""

from __future__ import annotations

import argparse
import re

import pytest

from tutor.cli.main import argparse_language, build_parser, main

# Short English words that never belong in an Indonesian sentence (tool names, option names and
# metavars are left out of the comparison below).
ENGLISH = {"the", "and", "of", "to", "is", "are", "with", "for", "from", "this", "that", "your", "you",
           "an", "it", "not", "or", "in", "on", "by", "be", "then", "when", "all", "each", "every",
           "which", "show", "exit", "print", "usage", "options", "arguments", "error", "invalid",
           "choose", "expected", "argument", "required", "unrecognized", "default", "like", "run",
           "machines", "machine", "give", "needs", "given", "file", "seconds", "unknown", "try"}
# (command names such as `give-up` are code too: a hyphenated word is left out)
CODE = re.compile(r"`[^`]*`|'[^']*'|\$\w+|--?[\w-]+|\w+(?:-\w+)+|\S*[=/:.]\S*|[A-Z][A-Z_=\[\]:.-]+")


def commands() -> list[list[str]]:
    """Every command path of the parser: [], ["check"], ["lab", "up"], ..."""
    found: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        found.append(path)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])

    with argparse_language("id"):
        walk(build_parser("id"), [])
    return found


def english_words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", CODE.sub(" ", text).lower()))
    return words & ENGLISH


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # --help exits
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("path", commands(), ids=lambda path: " ".join(path) or "tutor")
def test_every_help_is_indonesian_with_lang_id(capsys, path):
    code, out, _ = run(capsys, [*path, "--help", "--lang", "id"])
    assert code == 0 and out.startswith("pemakaian: ")
    assert english_words(out) == set(), out
    code, english, _ = run(capsys, [*path, "--help", "--lang", "en"])
    assert english.startswith("usage: ") and english != out


def test_every_option_and_command_has_a_help_text():
    def walk(parser: argparse.ArgumentParser, path: str) -> list[str]:
        missing = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                listed = {choice.dest: choice.help for choice in action._choices_actions}
                for name, sub in action.choices.items():
                    missing += [f"{path} {name}"] * (not listed.get(name))
                    missing += walk(sub, f"{path} {name}")
            elif not action.help:
                missing.append(f"{path} {action.dest}")
        return missing

    for lang in ("id", "en"):
        with argparse_language(lang):
            assert walk(build_parser(lang), "tutor") == []


@pytest.mark.parametrize("argv, reason", [
    (["nosuch"], "pilihan 'nosuch' tidak ada"),
    (["sim", "--seed", "x"], "nilai int tidak valid"),
    (["check", "--bogus"], "argumen tidak dikenal: --bogus"),
    (["lab", "shell"], "argumen ini wajib diisi"),
    (["--lang", "xx"], "bahasa 'xx' tidak dikenal"),
])
def test_usage_errors_are_one_indonesian_line_exit_2(capsys, monkeypatch, argv, reason):
    monkeypatch.setenv("LANG", "id_ID.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LANGUAGE", raising=False)
    code, out, err = run(capsys, argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and reason in err, err
    assert err.startswith("tutor") and english_words(err) == set(), err


def test_usage_error_in_english_names_the_help(capsys):
    code, _, err = run(capsys, ["check", "--bogus", "--lang", "en"])
    assert code == 2 and err == "tutor: unrecognized arguments: --bogus (try `tutor --help`)\n"


def test_a_control_character_in_argv_does_not_reach_the_terminal(capsys):
    code, _, err = run(capsys, ["check", "--bogus\x1b[31m", "--lang", "en"])
    assert code == 2 and "\x1b" not in err


@pytest.mark.parametrize("argv, reason", [
    (["check", "--host", "web=1.2.3.4"], "peran 'web' tidak dikenal"),
    (["check", "--host", "app1=10.0.0.300"], "bukan alamat IPv4 yang valid"),
    (["check", "proxy-pass", "--host", "app1=127.0.0.1:9"], "proxy-pass butuh proxy"),
    (["check", "--timeout", "99", "--host", "app1=127.0.0.1:9"], "beri jumlah detik antara 0 dan 60"),
    (["check", "nosuch", "--host", "app1=127.0.0.1:9"], "cek 'nosuch' tidak dikenal"),
    (["check", "--weight", "app9=2", "--host", "app1=127.0.0.1:9"], "bukan aplikasi yang diberikan"),
])
def test_check_reasons_in_indonesian(capsys, argv, reason):
    code, _, err = run(capsys, [*argv, "--lang", "id"])
    assert code == 2 and reason in err and err.count("\n") == 1, err
    assert english_words(err) == set(), err


def test_argparse_words_are_restored_after_a_run(capsys):
    run(capsys, ["--help", "--lang", "id"])
    assert argparse._("usage: ") == "usage: "
