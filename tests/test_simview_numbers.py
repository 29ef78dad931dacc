"""Numbers in the simulator and `tutor sim` are written one way per language (tutor.i18n.number):
decimal commas and `dtk` in Indonesian, decimal points and `s` in English."""

from __future__ import annotations

import re

import pytest

from sim import run
from tutor.i18n import number, tr
from tutor.scenarios import runnable
from tutor.cli.sim import format_report
from tutor.simview.eventlog import entry_text
from tutor.simview.frame import format_ms, format_rate
from tutor.simview.narration import narrate
from tutor.simview.player import Player

DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")  # 11.7, not an address like 10.37.19.46
DECIMAL_COMMA = re.compile(r"\d+,\d+")


def test_one_helper_writes_numbers_in_the_learners_language():
    assert number(11.7, "id") == "11,7" and number(11.7, "en") == "11.7"
    assert number(600.0, "id") == "600" and number(0.5, "id", ".1f") == "0,5"
    assert format_ms(0.0005, "id") == "0,5 ms" and format_ms(1.25, "id") == "1,2 dtk"
    assert format_ms(1.25, "en") == "1.2 s" and format_rate(11.66, "id") == "11,7"
    assert tr("simview", "diagram.rate", "id", rate=11.5) == "11,5 req/dtk"
    assert tr("simview", "col.served", "id") == "dilayani"  # texts without numbers are untouched


def played():
    player = Player(runnable("lb-one-dies"))
    player.fast_forward(25.0)
    return player


@pytest.mark.parametrize("lang, unit, wrong", [("id", "dtk", DECIMAL_POINT), ("en", "s", DECIMAL_COMMA)])
def test_the_event_log_narration_and_report_use_one_decimal_mark_and_one_unit(lang, unit, wrong):
    player = played()
    texts = [entry_text(entry, lang) for entry in player.log]
    texts.append(narrate(player.frame, player.serving, lang, answered=player.series.rate()))
    scenario = runnable("lb-one-dies")
    texts.append(format_report(scenario, run(scenario).to_json_dict(), [], [], lang))
    joined = "\n".join(texts)
    assert not wrong.findall(joined), wrong.findall(joined)[:5]
    assert re.search(rf"t=\d+ {unit}:", texts[-2])  # the narration's time
    other = "s" if unit == "dtk" else "dtk"
    assert not re.search(rf"\d ?{other}\b", joined)
