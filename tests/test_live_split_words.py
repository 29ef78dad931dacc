"""lb-distributes in words a learner reads: what was counted, what was expected, the verdict; the
statistic only as a short aside, never "p = 1" or "100% of tries" alone (tutor/live/checks.py judge_split)."""

from __future__ import annotations

import re

import pytest

from tutor.live.checks import Context, Options, judge_split
from tutor.live.hosts import Machine, Machines
from tutor.live.probe import Probe

MACHINES = Machines({role: Machine(role, host, port) for role, host, port in (
    ("proxy", "10.37.19.10", 80), ("app1", "10.37.19.11", 3000),
    ("app2", "10.37.19.12", 3000), ("app3", "10.37.19.13", 3000))})
STATISTICS = re.compile(r"p = |%|percobaan|of tries|chance|kebetulan")


def judged(lang: str, counts: dict[str, int], weights: dict[str, float] | None = None):
    ctx = Context(client=None, machines=MACHINES, lang=lang, options=Options(weights=weights))
    weights = {role: (weights or {}).get(role, 1.0) for role in counts}
    return judge_split(ctx, sum(counts.values()), counts, {}, weights, False, Probe("http://10.37.19.10/"))


@pytest.mark.parametrize("lang, counted, expected, verdict", [
    ("en", "Of 90 requests through proxy (10.37.19.10:80), these apps answered: app1 31, app2 29, app3 30.",
     "An even share would be about 30 each.", "Close enough: nginx shares the requests as expected."),
    ("id", "Dari 90 permintaan lewat proxy (10.37.19.10:80), yang menjawab: app1 31, app2 29, app3 30.",
     "Kalau dibagi rata, masing-masing dapat sekitar 30.", "Selisihnya kecil, jadi sudah pas"),
])
def test_a_nearly_even_split_says_counts_expectation_and_verdict_without_statistics(lang, counted, expected, verdict):
    result = judged(lang, {"app1": 31, "app2": 29, "app3": 30})
    assert result.ok and result.details["p_value"] > 0.9
    assert counted in result.message and expected in result.message and verdict in result.message
    assert not STATISTICS.search(result.message), result.message  # an almost exact split needs no aside


@pytest.mark.parametrize("lang, aside", [("en", "by chance alone 20% of the time"),
                                         ("id", "karena kebetulan, peluangnya 20%")])
def test_a_passing_but_visibly_uneven_split_says_how_often_chance_gives_it(lang, aside):
    result = judged(lang, {"app1": 38, "app2": 26, "app3": 26})
    assert result.ok and 0.01 < result.details["p_value"] < 0.5
    assert aside in result.message and "p = " not in result.message


@pytest.mark.parametrize("lang, expected, verdict", [
    ("en", "Shared by the weights (app1 1, app2 1, app3 4) it would be about app1 10, app2 10, app3 40.",
     "That is too uneven to be chance (by chance alone, counts this uneven come up < 0.1% of the time): "
     "nginx does not share the requests as expected."),
    ("id", "Kalau dibagi sesuai bobot (app1 1, app2 1, app3 4), kira-kira app1 10, app2 10, app3 40.",
     "Selisihnya terlalu besar untuk sekadar kebetulan (peluangnya cuma < 0,1%): nginx tidak membagi "
     "permintaan sesuai harapan."),
])
def test_a_split_against_the_weights_fails_in_plain_words(lang, expected, verdict):
    result = judged(lang, {"app1": 20, "app2": 20, "app3": 20}, {"app3": 4})
    assert not result.ok and result.code == "uneven" and result.details["p_value"] < 0.01
    assert expected in result.message and verdict in result.message and "`upstream`" in result.message
    assert "p = " not in result.message


def test_the_chance_is_written_with_the_learners_decimal_mark():
    from tutor.live.messages import percent

    assert [percent(p, "id") for p in (1.0, 0.42, 0.012, 0.0001)] == ["100%", "42%", "1,2%", "< 0,1%"]
    assert [percent(p, "en") for p in (0.012, 0.0001)] == ["1.2%", "< 0.1%"]
