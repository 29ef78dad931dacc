"""Every number option of the command line takes `2,5` as well as `2.5`, in both languages, and a
value that is no number is one plain line in the learner's language (exit 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_cli_language import english_words, run
from tutor.cli.main import argparse_language, build_parser
from tutor.cli.numbers import decimal_number

CLI_DIR = Path(__file__).resolve().parents[1] / "tutor" / "cli"
# Every option of the command line that takes a number with a fraction: (argv before the value, dest)
NUMBER_OPTIONS = [(["check", "--timeout"], "timeout"), (["twin", "lb-one-dies", "--lab", "--duration"], "duration")]


def test_no_option_reads_a_float_by_pythons_rules():
    """`type=float` refuses "2,5": every number option uses tutor.cli.numbers.DecimalNumber."""
    found = [f"{path.name}:{number}" for path in CLI_DIR.glob("*.py")
             for number, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"type\s*=\s*float", line)]
    assert found == []


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("prefix, dest", NUMBER_OPTIONS)
@pytest.mark.parametrize("typed", ["2,5", "2.5", " 2,5 ", "2,50"])
def test_a_decimal_comma_or_point_is_read_in_both_languages(lang, prefix, dest, typed):
    with argparse_language(lang):
        args = build_parser(lang).parse_args([*prefix, typed])
    assert getattr(args, dest) == 2.5


@pytest.mark.parametrize("prefix, dest", NUMBER_OPTIONS)
@pytest.mark.parametrize("typed", ["abc", "2,5,5", "nan", "inf", "1e3", "", "9" * 50])
def test_a_value_that_is_no_number_is_one_plain_line_exit_2(capsys, prefix, dest, typed):
    option = prefix[-1]
    code, out, err = run(capsys, [*prefix, typed, "--lang", "id"])
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith(f"tutor {prefix[0]}: {option}: isi dengan angka seperti 2,5 "), err
    assert english_words(err) == set() and "argumen" not in err and "float" not in err, err
    code, _, err = run(capsys, [*prefix, typed, "--lang", "en"])
    assert code == 2 and err.startswith(f"tutor {prefix[0]}: {option}: expected a number such as 2.5 "), err


def test_check_runs_with_a_decimal_comma_and_keeps_its_bounds(capsys):
    code, out, err = run(capsys, ["check", "app-running", "--host", "app1=127.0.0.2:9", "--timeout", "2,5",
                                  "--json", "--lang", "id"])
    assert code == 1 and '"check": "app-running"' in out and err == "", err  # nothing listens on port 9
    code, _, err = run(capsys, ["check", "--host", "app1=127.0.0.2:9", "--timeout", "60,5", "--lang", "id"])
    assert code == 2 and err == "tutor check: --timeout 60,5: beri jumlah detik antara 0 dan 60\n"
    code, _, err = run(capsys, ["check", "--host", "app1=127.0.0.2:9", "--timeout", "0", "--lang", "en"])
    assert code == 2 and err == "tutor check: --timeout 0: give seconds between 0 and 60\n"


@pytest.mark.parametrize("typed, value", [("3", 3.0), ("2,", 2.0), (",5", 0.5), ("-1,5", -1.5), ("1 000", None),
                                          ("1_000", None), ("٣", None), ("0x10", None)])
def test_what_counts_as_a_number(typed, value):
    assert decimal_number(typed) == value
