"""`Player`: the view's driver of the simulator, without any widgets."""

from __future__ import annotations

from sim import scenario_from_dict
from tutor.simview.player import RATES, SPEEDS, Player
from tutor.simview.series import Series, percentile


def all_down():
    return scenario_from_dict({
        "scenario": {"seed": 5, "duration": 30.0},
        "traffic": {"rate": 20.0},
        "server": [{"name": "app1"}, {"name": "app2"}],
        "event": [{"at": 5.0, "server": "app1", "action": "stop"}, {"at": 5.0, "server": "app2", "action": "stop"}],
    })


def test_repeated_no_live_upstreams_fold_into_one_line_per_second_with_an_exact_count():
    player = Player(all_down())
    while not player.frame.finished:
        player.tick()
    folded = [entry for entry in player.log if entry.key == "ev.no_live"]
    assert folded, "both servers banned: nginx answers 502 'no live upstreams'"
    assert sum(entry.repeat for entry in folded) == player.sim.state().no_live_upstreams
    log = list(player.log)
    assert all(b.t - a.t >= 1.0 for a, b in zip(log, log[1:]) if a.key == b.key == "ev.no_live")
    assert player.frame.counters.e502 == player.sim.state().failed  # every failure here is a 502


def test_the_same_run_whatever_the_frame_size():
    small, large = Player(all_down(), frame_interval=0.05), Player(all_down(), frame_interval=0.5)
    while not small.frame.finished:
        small.tick()
    large.fast_forward()
    assert small.frame == large.frame
    assert small.series.throughput == large.series.throughput


def test_speed_and_rate_steps_stop_at_their_ends():
    player = Player(all_down(), speed=16.0)
    player.faster()
    assert player.speed == SPEEDS[-1]
    for _ in range(len(SPEEDS) + 2):
        player.slower()
    assert player.speed == SPEEDS[0]
    for _ in range(len(RATES) + 2):
        player.change_rate(+1)
    assert player.frame.rate == RATES[-1]


def test_series_closes_whole_seconds_with_nearest_rank_percentiles():
    series = Series()
    for i, latency in enumerate([0.01, 0.02, 0.03, 0.04]):
        series.add(0.1 + i * 0.1, latency, ok=True, server="app1")
    series.add(1.5, 0.5, ok=False, server=None)
    series.close_until(1.0)
    assert series.throughput == [4.0] and series.p50 == [0.02] and series.p95 == [0.04]
    assert series.serving == [frozenset({"app1"})]
    series.close_until(2.0)
    assert series.throughput == [4.0, 0.0] and series.p95[-1] == 0.5
    assert percentile([], 0.5) == 0.0
    assert series.overall() == (0.03, 0.5)


def test_policy_cycle_skips_what_nginx_forbids_with_backup_servers():
    scenario = scenario_from_dict({
        "nginx": {"policy": "round_robin"},
        "server": [{"name": "a"}, {"name": "b", "backup": True}],
    })
    player = Player(scenario)
    seen = {player.cycle_policy() for _ in range(8)}
    assert seen == {"round_robin", "least_conn"}  # ip_hash and random refuse backup servers


def test_a_powered_off_server_shows_its_timeouts_and_no_route_to_host_in_the_log():
    player = Player(scenario_from_dict({
        "scenario": {"seed": 1, "duration": 12.0}, "traffic": {"pattern": "uniform", "rate": 4.0},
        "network": {"reachable_time": 2.0, "delay_first_probe_time": 1.0},
        "nginx": {"connect_timeout": 20.0},
        "server": [{"name": "app1"}, {"name": "app2"}],
        "event": [{"at": 1.1, "server": "app2", "action": "poweroff"}],
    }))
    player.fast_forward()
    keys = {entry.key for entry in player.log}
    assert "ev.no_route" in keys and "ev.refused" not in keys
    assert sum(entry.repeat for entry in player.log if entry.key in ("ev.no_route", "ev.probe_failed")) \
        == player.sim.backends[1].unreachable


def test_alternating_noise_folds_per_second_and_the_cause_stays_in_the_log():
    """app2 stopped and never disabled (max_fails=0): every request is refused by app2, then
    retried on app1. The two lines alternate; each second they become one line each, with exact
    counts, and the line saying why (app2 stopped) is still in the log at the end."""
    player = Player(scenario_from_dict({
        "scenario": {"seed": 2, "duration": 60.0}, "traffic": {"pattern": "uniform", "rate": 20.0},
        "server": [{"name": "app1"}, {"name": "app2", "max_fails": 0}],
        "event": [{"at": 2.0, "server": "app2", "action": "stop"}],
    }))
    player.fast_forward()
    log = list(player.log)
    refused = [entry for entry in log if entry.key == "ev.refused"]
    assert sum(entry.repeat for entry in refused) == player.sim.backends[1].refused > 500
    assert len(refused) <= 60 and len(log) <= 3 * 60  # about two lines a second, not two a request
    assert any(entry.key == "ev.stop" and entry.values["server"] == "app2" for entry in log)


def test_a_scripted_event_over_the_learners_own_change_is_said_in_the_log():
    player = Player(scenario_from_dict({
        "scenario": {"seed": 2, "duration": 10.0}, "traffic": {"pattern": "uniform", "rate": 5.0},
        "server": [{"name": "app1"}, {"name": "app2"}],
        "event": [{"at": 5.0, "server": "app2", "action": "stop"}],
    }))
    player.advance_by(2.0)
    player.server_action(1, "poweroff")  # the learner powers app2 off; the script stops it at 5 s
    assert not any(entry.key == "ev.script_over" for entry in player.log)
    player.advance_by(4.0)
    keys = [entry.key for entry in player.log]
    assert "ev.poweroff" in keys and "ev.script_over" in keys
    assert keys.index("ev.script_over") == keys.index("ev.stop") + 1  # right after the script's line


def test_a_server_action_that_changes_nothing_is_not_logged_again():
    player = Player(all_down())
    player.advance_by(1.0)
    assert player.server_action(0, "hang")
    assert not player.server_action(0, "hang")  # already hung
    assert sum(entry.key == "ev.hang" for entry in player.log) == 1
    player.fast_forward()
    assert not player.server_action(1, "start")  # the run is over
    assert [entry.key for entry in player.log][-1] == "ev.end"


def test_the_first_log_line_counts_servers_in_words_that_fit_one_or_many():
    from tutor.simview.eventlog import entry_text

    one = Player(scenario_from_dict({"scenario": {"duration": 5.0}, "server": [{"name": "app1"}]}))
    assert entry_text(one.log[0], "en").endswith("start: 1 server, policy round_robin, 20 req/s")
    assert "1 servers" not in entry_text(one.log[0], "en")
    assert "start: 2 servers," in entry_text(Player(all_down()).log[0], "en")
    assert "mulai: 1 server," in entry_text(one.log[0], "id")
