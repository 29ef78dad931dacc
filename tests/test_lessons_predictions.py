"""The lessons' predict-then-observe answers agree with what the simulator shows, in both languages.

Each test plays a shipped scenario (assets/scenarios/*.toml, seeded) and checks the behaviour the
question is about from the per-request records, using nginx's rules (reference/nginx-semantics.md):
round robin, retry on refused connections, max_fails/fail_timeout bans, "no live upstreams",
connect timeouts, ip_hash, least_conn. It then checks that the lesson's predict block for that
scenario marks, in `en` and `id`, exactly the choice that says so (found by a keyword), and that
the numbers its explanation quotes are the ones the run produced.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from sim import load_scenario, run
from tutor.lessons.loader import load_lessons
from tutor.paths import lessons_dir, scenarios_dir
from tutor.scenarios import runnable

LANGS = ("en", "id")


@cache
def scenario(name: str):
    """The scenario as every view plays it (through the one door, tutor/scenarios.py)."""
    return runnable(name)


@cache
def played(name: str, policy: str | None = None):
    """The result (with per-request records, in arrival order) of a scenario, optionally re-balanced."""
    chosen = scenario(name)
    if policy is not None:
        chosen = dataclasses.replace(chosen, nginx=dataclasses.replace(chosen.nginx, policy=policy))
    return run(chosen, trace=True)


def records(name: str):
    return sorted(played(name).records, key=lambda record: record.t)


def event_time(name: str, server: str, action: str) -> float:
    """When the scenario file stops/starts/powers off `server` (read from the file as written)."""
    events = load_scenario(scenarios_dir() / f"{name}.toml").events
    (at,) = [event.at for event in events if event.server == server and event.action == action]
    return at


def server_setting(name: str, server: str, field: str):
    (found,) = [getattr(s, field) for s in scenario(name).servers if s.name == server]
    return found


@cache
def lessons():
    return load_lessons(lessons_dir())


def predict(lesson_id: str, step_id: str, name: str, lang: str):
    lesson = lessons().get(lesson_id)
    assert lesson is not None, lesson_id
    text = lesson.step_text(step_id, lang)
    assert not text.fallback, f"{lesson_id}#{step_id} has no {lang} text"
    found = [block for block in text.predicts if block.scenario == name]
    assert len(found) == 1, f"{lesson_id}#{step_id} ({lang}) should hold one predict for {name}"
    return found[0]


def assert_marked(lesson_id: str, step_id: str, name: str, keyword: dict[str, str]) -> None:
    """In both languages, the only choice marked right is the one containing `keyword[lang]`."""
    for lang in LANGS:
        block = predict(lesson_id, step_id, name, lang)
        matching = [choice for choice in block.choices if keyword[lang].lower() in choice.text.lower()]
        assert len(matching) == 1, f"{lang}: {keyword[lang]!r} should name exactly one choice"
        assert [choice for choice in block.choices if choice.correct] == matching, f"{lang}: wrong choice marked"


def assert_quoted(lesson_id: str, step_id: str, name: str, numbers: list[float | int], decimals: int = 0) -> None:
    """The explanation of the predict quotes each number, written the way its language writes it."""
    for lang in LANGS:
        explanation = predict(lesson_id, step_id, name, lang).explanation
        for number in numbers:
            written = f"{number:.{decimals}f}"
            if lang == "id":
                written = written.replace(".", ",")
            assert written in explanation, f"{lang}: the explanation should quote {written}"


def test_web_server_overload_response_time_keeps_growing():
    name = "web-server-overload"
    arrivals = scenario(name).traffic.rate
    capacity = 1 / scenario(name).servers[0].service["mean"]
    assert arrivals > capacity
    rows = [row for row in records(name) if row.t < scenario(name).duration]
    window = scenario(name).duration / 6
    means = []
    for k in range(6):
        latencies = [row.latency for row in rows if k * window <= row.t < (k + 1) * window]
        means.append(sum(latencies) / len(latencies))
    assert means == sorted(means) and means[-1] > 5 * means[0], means
    assert_marked("web-server", "many-requests", name, {"en": "keeps growing", "id": "terus naik"})
    assert_quoted("web-server", "many-requests", name, [arrivals, capacity, arrivals - capacity])


def test_web_server_basic_caption_numbers_match_the_run():
    """The caption gives the busy share the run has, and leaves the mean (0.1 s) to the quiz that asks it."""
    name = "web-server-basic"
    report = played(name).metrics
    assert report["servers"]["sinambela"]["utilization"] == pytest.approx(0.5, abs=0.05)
    assert report["latency"]["mean"] == pytest.approx(0.1, abs=0.015)
    lesson = lessons().get("web-server")
    captions = {lang: lesson.step_text("waiter-analogy", lang).sim_captions[0] for lang in LANGS}
    assert "half" in captions["en"] and "0.1 s" not in captions["en"]
    assert "separuh" in captions["id"] and "0,1 detik" not in captions["id"]


def test_rp_app_stopped_gives_502_while_down_and_200_right_after_the_restart():
    name = "rp-app-stopped"
    stop, start = event_time(name, "app1", "stop"), event_time(name, "app1", "start")
    rows = records(name)
    down = [row for row in rows if stop <= row.t < start]
    assert down and all(row.status == 502 and row.attempts == ("app1",) for row in down)
    assert all(row.status == 200 for row in rows if row.t < stop or row.t >= start)
    first_after = next(row for row in rows if row.t >= start)
    assert first_after.status == 200
    assert_marked("reverse-proxy", "when-it-breaks", name, {"en": "502", "id": "502"})


def test_lb_tutorial_round_robin_alternates():
    name = "lb-tutorial"
    picked = [row.attempts for row in records(name)]
    assert all(len(attempts) == 1 for attempts in picked)
    assert all(a != b for a, b in zip(picked, picked[1:]))
    assert_marked("load-balancing", "see-round-robin", name, {"en": "alternate", "id": "bergantian"})


def test_lb_one_dies_no_client_error_and_app2_banned_for_fail_timeout():
    name = "lb-one-dies"
    stop, start = event_time(name, "app2", "stop"), event_time(name, "app2", "start")
    fail_timeout = server_setting(name, "app2", "fail_timeout")
    rows = records(name)
    assert all(row.status == 200 for row in rows)
    touched = [row for row in rows if stop <= row.t < start and "app2" in row.attempts]
    assert touched and all(row.attempts == ("app2", "app1") for row in touched)
    for failover in touched:
        banned = [row for row in rows if failover.t < row.t <= failover.t + fail_timeout]
        assert banned and all("app2" not in row.attempts for row in banned)
    assert_marked("load-balancing", "one-server-dies", name, {"en": "every request works", "id": "semua request berhasil"})
    assert_quoted("load-balancing", "one-server-dies", name, [len(rows), len(touched)])
    assert len(touched) == 2  # the explanation says "only two of them" / "hanya dua"


def test_lb_one_dies_app2_is_back_at_the_first_probe_after_its_ban():
    name = "lb-one-dies"
    stop, start = event_time(name, "app2", "stop"), event_time(name, "app2", "start")
    fail_timeout = server_setting(name, "app2", "fail_timeout")
    rows = records(name)
    last_failure = max(row.t for row in rows if stop <= row.t < start and "app2" in row.attempts)
    back = next(row for row in rows if row.t >= start and row.attempts == ("app2",))
    # Not at once: requests after the restart still skip app2 until its ban ends (whole-second clock).
    assert any(start <= row.t < back.t for row in rows)
    assert last_failure + fail_timeout < back.t <= last_failure + fail_timeout + 2
    later = [row.attempts[-1] for row in rows if row.t >= back.t]
    assert later.count("app2") / len(later) == pytest.approx(0.5, abs=0.05)
    assert_marked("load-balancing", "server-comes-back", name, {"en": "within about 10 seconds", "id": "paling lama sekitar 10 detik"})
    assert_quoted("load-balancing", "server-comes-back", name, [last_failure, back.t], decimals=1)


def test_lb_wrong_server_stopped_changes_nothing():
    name = "lb-wrong-server-stopped"
    stop = event_time(name, "aplikasi2", "stop")
    assert "aplikasi2" not in {server.name for server in scenario(name).servers}  # not in the tutorial's upstream
    rows = records(name)
    assert all(row.status == 200 and len(row.attempts) == 1 for row in rows)
    assert not any("aplikasi2" in row.attempts for row in rows)
    for part in ([row for row in rows if row.t < stop], [row for row in rows if row.t >= stop]):
        share = sum(row.attempts == ("aplikasi1",) for row in part)
        assert abs(2 * share - len(part)) <= 1  # an even split, before and after the stop
    assert_marked("load-balancing", "spot-the-bug", name, {"en": "nothing", "id": "tidak ada"})
    assert_quoted("load-balancing", "spot-the-bug", name, [len(rows) // 2])


def test_lb_poweroff_requests_to_app2_hang_then_succeed():
    """The first requests that meet the powered-off app2 wait the whole connect timeout, later
    ones until the proxy's ARP entry fails (No route to host); app1 answers every one."""
    name = "lb-poweroff"
    off = event_time(name, "app2", "poweroff")
    timeout = scenario(name).nginx.connect_timeout
    rows = records(name)
    assert all(row.status == 200 for row in rows)
    first_to_app2 = next(row for row in rows if row.t >= off and "app2" in row.attempts)
    assert first_to_app2.attempts == ("app2", "app1") and first_to_app2.failures == ("timed out",)
    assert first_to_app2.latency == pytest.approx(timeout, abs=0.1)
    waited = [row for row in rows if row.latency > 1.0]
    assert all(row.attempts == ("app2", "app1") for row in waited)
    half_minute = [row for row in rows if off <= row.t < off + 30]
    assert sum(row.latency > 10 for row in half_minute) / len(half_minute) == pytest.approx(0.5, abs=0.05)
    first_no_route = min(row.t + row.latency for row in rows if row.failures == ("no route to host",))
    assert 25 <= first_no_route - off <= 55                  # "after about 25-55 s"
    assert_marked("load-balancing", "vm-powers-off", name, {"en": "hangs", "id": "menggantung"})
    assert_quoted("load-balancing", "vm-powers-off", name, [len(waited), timeout, 25, 55])


def test_lb_poweroff_fast_waits_at_most_about_the_short_connect_timeout():
    name = "lb-poweroff-fast"
    timeout = scenario(name).nginx.connect_timeout
    rows = records(name)
    assert all(row.status == 200 for row in rows)
    slow = [row for row in rows if row.latency > timeout / 2]
    assert slow and all(row.attempts == ("app2", "app1") for row in slow)
    assert max(row.latency for row in rows) < timeout + 0.5


def test_lb_all_down_every_request_gets_an_immediate_502():
    name = "lb-all-down"
    stop = event_time(name, "app1", "stop")
    assert event_time(name, "app2", "stop") == stop
    rows = [row for row in records(name) if row.t >= stop]
    assert rows and all(row.status == 502 and row.latency < 0.01 for row in rows)
    tried = [row for row in rows if row.attempts]
    assert all(sorted(row.attempts) == ["app1", "app2"] for row in tried)
    assert tried[0] is rows[0]
    assert len(rows) - len(tried) > 0.9 * len(rows)  # the rest: "no live upstreams", nothing tried
    assert_marked("load-balancing", "all-servers-down", name, {"en": "at once", "id": "langsung"})
    assert_quoted("load-balancing", "all-servers-down", name, [len(rows), len(tried), int(tried[-1].t)])


def test_lb_weights_three_to_one_smoothly():
    name = "lb-weights"
    picked = [row.attempts[0] for row in records(name)]
    assert all(picked[i:i + 8].count("app1") == 6 for i in range(len(picked) - 7))
    assert picked[:4] == ["app1", "app1", "app2", "app1"]
    assert_marked("load-balancing", "weights", name, {"en": "6:", "id": "6:"})
    assert_quoted("load-balancing", "weights", name, [picked.count("app1"), picked.count("app2")])


def test_lb_ip_hash_nat_one_server_gets_every_request():
    name = "lb-ip-hash-nat"
    rows = records(name)
    assert len({row.client for row in rows}) == 1
    assert len({row.attempts for row in rows}) == 1
    assert_marked("load-balancing", "ip-hash-and-least-conn", name, {"en": "all on one server", "id": "semua ke satu server"})
    assert_quoted("load-balancing", "ip-hash-and-least-conn", name, [len(rows)])


def test_lb_least_conn_sends_each_request_to_the_server_with_fewer_in_progress():
    name = "lb-least-conn"
    hop = scenario(name).nginx.latency  # the client hop, added to every latency after nginx is done
    rows = records(name)
    longest = max(row.latency for row in rows)
    busy_elsewhere = 0
    for i, row in enumerate(rows):
        in_progress = {"app1": 0, "app2": 0}
        for earlier in reversed(rows[:i]):
            if earlier.t < row.t - longest:
                break
            if earlier.t + earlier.latency - hop > row.t:
                in_progress[earlier.attempts[-1]] += 1
        other = "app2" if row.attempts[0] == "app1" else "app1"
        assert in_progress[row.attempts[0]] <= in_progress[other], row
        busy_elsewhere += in_progress[row.attempts[0]] < in_progress[other]
    assert busy_elsewhere > len(rows) / 10
    least_conn_wait = played(name).metrics["wait"]["mean"]
    round_robin_wait = played(name, "round_robin").metrics["wait"]["mean"]
    assert least_conn_wait == pytest.approx(0.6, abs=0.1)
    assert round_robin_wait == pytest.approx(1.0, abs=0.15)
    assert_marked("load-balancing", "ip-hash-and-least-conn", "lb-least-conn", {"en": "fewer requests in progress", "id": "lebih sedikit request"})


# The load-balancing lesson's closing quiz: the same scenarios, asked from another side.

def test_quiz_poweroff_with_a_short_connect_timeout_nobody_waits_much_more_than_it():
    name = "lb-poweroff-fast"
    timeout = scenario(name).nginx.connect_timeout
    rows = records(name)
    longest = max(row.latency for row in rows)
    assert all(row.status == 200 for row in rows)
    assert timeout <= longest < timeout + 0.5
    assert_marked("load-balancing", "quiz", name, {"en": "about 2 s", "id": "sekitar 2 detik"})
    assert_quoted("load-balancing", "quiz", name, [len(rows)])
    assert_quoted("load-balancing", "quiz", name, [longest], decimals=1)


def test_quiz_a_single_server_is_back_at_once_after_its_restart():
    name = "rp-app-stopped"
    stop, start = event_time(name, "app1", "stop"), event_time(name, "app1", "start")
    rows = records(name)
    down = [row for row in rows if stop <= row.t < start]
    assert down and all(row.status == 502 for row in down)
    assert all(row.status == 200 for row in rows if row.t >= start)
    assert_marked("load-balancing", "quiz", name, {"en": "at once", "id": "langsung"})
    assert_quoted("load-balancing", "quiz", name, [len(down)])


def test_quiz_a_stopped_app_is_tried_about_once_per_fail_timeout():
    name = "lb-one-dies"
    stop, start = event_time(name, "app2", "stop"), event_time(name, "app2", "start")
    fail_timeout = server_setting(name, "app2", "fail_timeout")
    rows = records(name)
    tried = [row for row in rows if stop <= row.t < start and "app2" in row.attempts]
    assert len(tried) == round((start - stop) / fail_timeout)  # "about two": one per skip of 10 s
    assert all(row.attempts == ("app2", "app1") for row in tried)
    assert_marked("load-balancing", "quiz", name, {"en": "about two", "id": "sekitar dua"})
    assert_quoted("load-balancing", "quiz", name, [len(rows), len(tried)])


def quiz_question(lesson_id: str, name: str, keyword: dict[str, str], lang: str):
    """The one question of the lesson's `quiz` step on scenario `name` whose text holds `keyword[lang]`."""
    text = lessons().get(lesson_id).step_text("quiz", lang)
    assert not text.fallback
    found = [block for block in text.predicts if block.scenario == name and keyword[lang] in block.question]
    assert len(found) == 1, f"{lesson_id} quiz ({lang}): one {name} question holding {keyword[lang]!r}"
    return found[0]


def assert_quiz_marked(lesson_id: str, name: str, question: dict[str, str], answer: dict[str, str]) -> None:
    """In both languages, the only choice marked right in that quiz question contains `answer[lang]`."""
    for lang in LANGS:
        block = quiz_question(lesson_id, name, question, lang)
        right = [choice.text for choice in block.choices if choice.correct]
        assert len(right) == 1 and answer[lang] in right[0], f"{lang}: {right}"
        assert sum(answer[lang] in choice.text for choice in block.choices) == 1


def test_web_server_quiz_answers_match_the_runs():
    basic = played("web-server-basic").metrics["latency"]["mean"]
    assert basic == pytest.approx(0.1, abs=0.015)
    assert_quiz_marked("web-server", "web-server-basic", {"en": "0.05 s", "id": "0,05 detik"},
                       {"en": "0.1 s", "id": "0,1 detik"})
    rows = records("web-server-overload")
    inside = sum(1 for row in rows if row.t <= 60.0 < row.t + row.latency)
    assert 150 <= inside <= 400, inside  # "about 250": 4 more per second, give or take the randomness
    assert_quiz_marked("web-server", "web-server-overload", {"en": "one minute", "id": "satu menit"},
                       {"en": "250", "id": "250"})
    waited = [row for row in records("web-server-basic") if row.latency > 0.2]
    assert waited and all(row.status == 200 for row in waited)  # busy: a request waits, it is not refused
    assert_quiz_marked("web-server", "web-server-basic", {"en": "busy with another", "id": "sibuk melayani"},
                       {"en": "waits in the queue", "id": "Menunggu di antrean"})


def test_reverse_proxy_quiz_answers_match_the_runs():
    name = "rp-app-stopped"
    stop, start = event_time(name, "app1", "stop"), event_time(name, "app1", "start")
    rows = records(name)
    first_after = next(row for row in rows if row.t >= start)
    assert first_after.status == 200
    assert_quiz_marked("reverse-proxy", name, {"en": "started again", "id": "dijalankan lagi"},
                       {"en": "first request", "id": "request pertama"})
    down = [row for row in rows if stop <= row.t < start]
    assert down and max(row.latency for row in down) < 0.05  # refused at once: a 502 in milliseconds
    assert_quiz_marked("reverse-proxy", name, {"en": "how long", "id": "berapa lama"},
                       {"en": "milliseconds", "id": "milidetik"})
    assert {row.attempts for row in records("rp-basic")} == {("app1",)}
    assert_quiz_marked("reverse-proxy", "rp-basic", {"en": "open a", "id": "membuka"},
                       {"en": "`app1` IP on port 3000", "id": "IP `app1` di port 3000"})
