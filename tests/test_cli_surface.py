"""The command line's surface is the same everywhere: `--lang` in every --help, flags after the
verb, one `--json` spelling, SCENARIO for the scenario commands (review architecture-2026-12 §9)."""

from __future__ import annotations

import argparse

import pytest

from tutor.cli.main import argparse_language, build_parser, main


def _subparsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(path, parser) for every subcommand at every depth: ("lab", "up"), ("class", "serve"), ..."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _subparsers(sub, (*path, name))


with argparse_language("en"):
    COMMANDS = [path for path, _ in _subparsers(build_parser("en"))]


def test_every_command_is_walked():
    assert {("play",), ("sim",), ("check",), ("lab", "up"), ("lab", "exec"), ("class", "serve"), ("drill", "start"),
            ("twin",), ("serve",), ("doctor",), ("lint",)} <= set(COMMANDS)


@pytest.mark.parametrize("lang, words", [("en", "language: id (Indonesian) or en (English)"),
                                         ("id", "bahasa: id (Indonesia) atau en (Inggris)")])
@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_help_shows_lang(path, lang, words, capsys):
    with pytest.raises(SystemExit) as done:
        main([*path, "--help", "--lang", lang])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps long help lines
    assert "--lang {id,en}" in shown and words in shown


@pytest.mark.parametrize("argv", [["sim", "--json", "--lang", "en", "--seed", "1"], ["sim", "--seed", "1", "--lang=en", "--json"]])
def test_lang_after_the_verb_is_taken(argv, capsys):
    assert main(argv) == 0
    assert '"seed": 1' in capsys.readouterr().out


def _parse(argv: list[str]) -> argparse.Namespace:
    with argparse_language("en"):
        return build_parser("en").parse_args(argv)


def test_lab_prefix_after_the_action_and_json_spellings():
    assert _parse(["lab", "down", "--prefix", "zz"]).prefix == "zz"
    assert _parse(["lab", "--prefix", "zz", "down"]).prefix == "zz"
    assert _parse(["lab", "status", "--json"]).json is True
    assert _parse(["lab", "status", "--format", "json"]).format == "json"  # multipass's spelling, a hidden alias


def test_hidden_aliases_stay_out_of_the_help(capsys):
    for path, alias in ((["lab", "status"], "--format"), (["serve"], "--host")):
        with pytest.raises(SystemExit):
            main([*path, "--help", "--lang", "en"])
        assert f"[{alias}" not in capsys.readouterr().out  # the usage line lists every shown option


def test_serve_bind_and_its_old_name_are_one_option():
    assert _parse(["serve", "--bind", "::1"]).bind == "::1"
    assert _parse(["serve", "--host", "::1"]).bind == "::1"
    assert _parse(["serve"]).bind == "127.0.0.1" and _parse(["serve"]).allow_host == []
    assert _parse(["serve", "--allow-host", "a.example", "--allow-host", "b.example"]).allow_host == ["a.example",
                                                                                                  "b.example"]


@pytest.mark.parametrize("command", ["sim", "play"])
def test_scenario_commands_name_a_scenario_not_a_file(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help", "--lang", "en"])
    out = capsys.readouterr().out
    assert "[SCENARIO]" in out and "SCENARIO.toml" not in out


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_json_is_spelled_json_everywhere(path):
    with argparse_language("en"):
        parser = dict(_subparsers(build_parser("en")))[path]
    flags = {flag for action in parser._actions for flag in action.option_strings if action.help != argparse.SUPPRESS}
    assert "--format" not in flags and "--output" not in flags


@pytest.mark.parametrize("action, names", [("shell", "laptop, proxy, app1, app2, app3"), ("stop", "app1, app2, app3")])
def test_lab_help_lists_the_machines_a_learner_names_and_refuses_a_tests_client(action, names, capsys):
    with pytest.raises(SystemExit):
        main(["lab", action, "--help", "--lang", "en"])
    assert names in " ".join(capsys.readouterr().out.split()) and "client2" not in names
    with pytest.raises(SystemExit) as refused:
        main(["lab", action, "client2", "--lang", "en"])
    assert refused.value.code == 2 and "invalid choice: 'client2'" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["check", "--prefix", "", "--host", "app1=127.0.0.1:9"],
                                  ["twin", "lb-one-dies", "--prefix", "", "--host", "proxy=127.0.0.1:9"]])
def test_an_empty_prefix_without_lab_is_refused_not_ignored(argv, capsys):
    assert main([*argv, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "--prefix" in err and err.count("\n") == 1
