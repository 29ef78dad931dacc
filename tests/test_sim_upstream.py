"""nginx's balancers and passive health checks (sim/upstream.py) against nginx's own behaviour.

Expected values come from reference/nginx-semantics.md (nginx source and a real nginx 1.22.1),
from nginx's documentation and from formulas computed here, never from the simulator itself.
"""

from collections import Counter
from random import Random

import pytest

from sim.scenario import Server
from sim.upstream import (DISABLED, ENABLED, EPOCH, PEER_FAILED, PEER_NEXT, PeerRequest, Upstream,
                          nginx_now)

LOOPBACK = bytes([127, 0, 0])


def servers(*specs):
    """Server("a"), Server("b"), ... from names or (name, {options})."""
    result = []
    for spec in specs:
        name, options = (spec, {}) if isinstance(spec, str) else spec
        result.append(Server(name=name, **options))
    return result


def pick(upstream, addr=LOOPBACK, now=EPOCH, tries_cap=0):
    request = PeerRequest()
    request.start_balancing(upstream, addr, tries_cap)
    return request, upstream.get(request, now)


def sequential(upstream, count, now=EPOCH):
    """Names chosen by `count` non-overlapping successful requests."""
    names = []
    for _ in range(count):
        request, peer = pick(upstream, now=now)
        names.append(peer.name)
        upstream.free(request, peer, 0, now)
    return names


def proxied(upstream, alive, now):
    """One request as in reference §3.3: refused peers fail at once and nginx retries."""
    request = PeerRequest()
    request.start_balancing(upstream, LOOPBACK)
    trail = []
    while True:
        peer = upstream.get(request, now)
        if peer is None:
            return trail, 502
        trail.append(peer.name)
        if alive[peer.name]:
            upstream.free(request, peer, 0, now)
            return trail, 200
        upstream.free(request, peer, PEER_FAILED, now)
        if request.tries == 0:
            return trail, 502


def test_nginx_clock_ticks_in_whole_seconds():
    assert nginx_now(0.0) == nginx_now(0.999) == EPOCH
    assert nginx_now(1.0) == EPOCH + 1


def test_weights_5_1_1_give_the_measured_order():
    upstream = Upstream(servers(("a", {"weight": 5}), "b", "c"))
    assert sequential(upstream, 14) == list("aabacaa" * 2)


def test_equal_weights_alternate_strictly():
    upstream = Upstream(servers("a", "b", "c"))
    assert sequential(upstream, 9) == list("abcabcabc")


def test_weighted_split_over_a_cycle_is_proportional():
    weights = {"a": 3, "b": 2, "c": 1}
    upstream = Upstream(servers(*[(name, {"weight": w}) for name, w in weights.items()]))
    assert Counter(sequential(upstream, 60)) == {name: 10 * w for name, w in weights.items()}


def test_reference_lab_trail_is_reproduced_line_by_line():
    """reference §3.2 phases 1-5b (nginx 1.22.1, A and B on loopback), driven as in §3.3."""
    upstream = Upstream(servers("A", "B"))
    alive = {"A": True, "B": True}
    now = EPOCH

    def burst(count):
        return [proxied(upstream, alive, now) for _ in range(count)]

    phase1 = burst(20)
    assert [trail for trail, _ in phase1] == [["A"], ["B"]] * 10
    alive["B"] = False
    phase2 = burst(20)
    assert [status for _, status in phase2] == [200] * 20            # no 502 at all
    assert phase2[1] == (["B", "A"], 200)                             # refused, retried on A
    assert all(trail == ["A"] for trail, _ in phase2[2:])             # B disabled
    now += 11
    phase3 = burst(6)
    assert [trail for trail, _ in phase3] == [["A"], ["A"], ["B", "A"], ["A"], ["A"], ["A"]]
    alive["A"] = False
    phase4 = burst(4)
    assert phase4 == [(["A"], 502)] + [([], 502)] * 3                 # then "no live upstreams"
    now += 11
    assert burst(3) == [(["A", "B"], 502), ([], 502), ([], 502)]      # phase 4b
    alive["B"] = True
    assert burst(3) == [([], 502)] * 3                                # phase 5: B back but banned
    now += 11
    assert burst(4) == [(["A", "B"], 200)] + [(["B"], 200)] * 3       # phase 5b


def test_ban_lasts_until_the_clock_passes_checked_plus_fail_timeout():
    upstream = Upstream(servers("a", "b"))
    failed_at = EPOCH + 5
    request, peer = pick(upstream, now=failed_at)
    assert peer.name == "a"
    assert upstream.free(request, peer, PEER_FAILED, failed_at) == DISABLED
    for now in range(failed_at, failed_at + 11):                      # now - checked <= 10
        assert peer.banned(now)
        _, other = pick(upstream, now=now)
        assert other.name == "b"
        other.conns -= 1
    assert not peer.banned(failed_at + 11)
    assert peer.banned_until() == failed_at + 11 - EPOCH


def test_one_probe_per_fail_timeout_window():
    upstream = Upstream(servers("a", "b"))
    now = EPOCH
    request, a = pick(upstream, now=now)
    upstream.free(request, a, PEER_FAILED, now)
    now += 11
    probes = []
    for _ in range(6):
        request, peer = pick(upstream, now=now)
        probes.append(peer.name)
        upstream.free(request, peer, PEER_FAILED if peer.name == "a" else 0, now)
    assert probes.count("a") == 1                                      # probed once, banned again
    assert a.checked == now


def test_successful_probe_re_enables_and_resets_fails():
    upstream = Upstream(servers(("a", {"max_fails": 2}), "b"))
    now = EPOCH
    for _ in range(2):
        request = PeerRequest()
        request.start_balancing(upstream, LOOPBACK)
        request.tried = 2                                              # force a (b already tried)
        a = upstream.get(request, now)
        upstream.free(request, a, PEER_FAILED, now)
    assert a.fails == 2 and a.banned(now)
    now += 11
    request = PeerRequest()
    request.start_balancing(upstream, LOOPBACK)
    request.tried = 2
    probe = upstream.get(request, now)
    assert probe is a and probe.fails == 2
    assert upstream.free(request, probe, 0, now) == ENABLED
    assert a.fails == 0


def test_fails_are_not_reset_by_time_alone():
    """A success without a fresh `checked` (inside the window) keeps fails: max_fails counts on."""
    upstream = Upstream(servers(("a", {"max_fails": 3}), "b"))
    now = EPOCH
    request, a = pick(upstream, now=now)
    upstream.free(request, a, PEER_FAILED, now)
    request, peer = pick(upstream, now=now + 3)                        # b, then a again
    upstream.free(request, peer, 0, now + 3)
    request, peer = pick(upstream, now=now + 3)
    assert peer is a
    upstream.free(request, peer, 0, now + 3)
    assert a.fails == 1


def test_failure_lowers_effective_weight_which_recovers_by_one_per_round():
    upstream = Upstream(servers(("a", {"weight": 4, "max_fails": 2}), ("b", {"weight": 4})))
    now = EPOCH
    request, a = pick(upstream, now=now)
    assert a.name == "a"
    upstream.free(request, a, PEER_FAILED, now)
    assert a.effective_weight == 4 - 4 // 2
    sequential(upstream, 1, now=now)
    assert a.effective_weight == 3
    sequential(upstream, 5, now=now)
    assert a.effective_weight == 4                                     # never above weight


def test_max_fails_zero_never_bans():
    upstream = Upstream(servers(("a", {"max_fails": 0}), ("b", {"max_fails": 0})))
    for _ in range(6):
        request, peer = pick(upstream)
        upstream.free(request, peer, PEER_FAILED, EPOCH)
    assert not any(peer.banned(EPOCH) for peer in upstream.peers())
    assert sequential(upstream, 4) == ["a", "b", "a", "b"]


def test_single_server_is_never_banned_and_never_retried():
    upstream = Upstream(servers("only"))
    for _ in range(5):
        request, peer = pick(upstream)
        assert peer.name == "only"
        upstream.free(request, peer, PEER_FAILED, EPOCH)
        assert request.tries == 0 and peer.fails == 0


def test_one_primary_with_a_backup_is_not_single():
    upstream = Upstream(servers("p", ("b", {"backup": True})))
    request, peer = pick(upstream)
    upstream.free(request, peer, PEER_FAILED, EPOCH)
    assert request.tries == 1 and peer.banned(EPOCH)
    assert upstream.get(request, EPOCH).name == "b"


def test_backup_is_used_only_when_no_primary_is_eligible():
    upstream = Upstream(servers("p1", "p2", ("bk", {"backup": True})))
    assert "bk" not in sequential(upstream, 10)
    for _ in range(2):                                                 # ban both primaries
        request, peer = pick(upstream)
        upstream.free(request, peer, PEER_FAILED, EPOCH)
    assert sequential(upstream, 3) == ["bk"] * 3
    assert "bk" not in sequential(upstream, 4, now=EPOCH + 11)         # primaries come back


def test_down_servers_are_skipped_and_not_counted_in_tries():
    upstream = Upstream(servers("a", ("b", {"down": True}), "c"))
    assert sequential(upstream, 4) == ["a", "c", "a", "c"]
    assert pick(upstream)[0].tries == 2


def test_tries_cap_is_next_upstream_tries():
    upstream = Upstream(servers("a", "b", "c", ("d", {"backup": True})))
    assert pick(upstream)[0].tries == 4
    assert pick(upstream, tries_cap=2)[0].tries == 2


def test_all_banned_means_no_live_upstreams_without_reset():
    upstream = Upstream(servers("a", "b"))
    for _ in range(2):
        request, peer = pick(upstream)
        upstream.free(request, peer, PEER_FAILED, EPOCH)
    for _ in range(3):
        assert pick(upstream)[1] is None
    assert [peer.fails for peer in upstream.peers()] == [1, 1]          # nginx >= 1.11.5: no reset


def test_http_403_404_are_not_failures():
    upstream = Upstream(servers("a", "b"))
    request, peer = pick(upstream)
    assert upstream.free(request, peer, PEER_NEXT, EPOCH) == 0
    assert peer.fails == 0 and peer.effective_weight == peer.weight


def test_max_conns_skips_a_full_peer():
    upstream = Upstream(servers(("a", {"max_conns": 1}), "b"))
    _, first = pick(upstream)
    _, second = pick(upstream)
    _, third = pick(upstream)
    assert [first.name, second.name, third.name] == ["a", "b", "b"]


def test_least_conn_sequential_traffic_alternates():
    upstream = Upstream(servers("a", "b"), "least_conn")
    assert sequential(upstream, 6) == ["a", "b"] * 3


def test_least_conn_prefers_fewest_connections_per_weight():
    upstream = Upstream(servers(("a", {"weight": 2}), "b"), "least_conn")
    held = [pick(upstream)[1].name for _ in range(6)]
    conns = {peer.name: peer.conns for peer in upstream.peers()}
    assert conns == {"a": 4, "b": 2}                                   # 2:1 like the weights
    assert held[:3] == ["a", "b", "a"]


def test_least_conn_tie_uses_smooth_weights_from_the_first_tied_peer():
    """Ties run the WRR step over tied peers only, starting at the first one (not at index 0)."""
    upstream = Upstream(servers("a", "b", "c"), "least_conn")
    request, a = pick(upstream)
    assert a.name == "a"                                               # a busy: b, c tie at 0
    _, peer = pick(upstream)
    assert peer.name == "b"
    upstream_b = [p for p in upstream.peers() if p.name == "b"][0]
    c = upstream.peers()[2]
    assert (a.current_weight, upstream_b.current_weight, c.current_weight) == (-2, 0, 2)


def ip_hash_index(addr3, weights):
    """The mapping of reference §2.6 computed from the formula."""
    value = 89
    for byte in addr3:
        value = (value * 113 + byte) % 6271
    w = value % sum(weights)
    index = 0
    while w >= weights[index]:
        w -= weights[index]
        index += 1
    return index


def test_ip_hash_of_loopback_is_4040_third_server():
    value = 89
    for byte in LOOPBACK:
        value = (value * 113 + byte) % 6271
    assert value == 4040
    upstream = Upstream(servers("a", "b", "c"), "ip_hash")
    assert {pick(upstream)[1].name for _ in range(5)} == {"c"}


@pytest.mark.parametrize("weights", [(1, 1, 1), (1, 2, 3), (5, 1, 1, 2)])
def test_ip_hash_maps_many_networks_as_the_formula_says(weights):
    names = [f"s{i}" for i in range(len(weights))]
    upstream = Upstream(servers(*[(n, {"weight": w}) for n, w in zip(names, weights)]), "ip_hash")
    rng = Random(7)
    for _ in range(300):
        addr = bytes([10, rng.randrange(256), rng.randrange(256)])
        request, peer = pick(upstream, addr=addr)
        assert peer.name == names[ip_hash_index(addr, weights)]
        upstream.free(request, peer, 0, EPOCH)


def test_ip_hash_rehashes_past_a_down_server():
    """127.0.0.1 hashes to the third server; with it down, nginx rehashes until it hits another."""
    upstream = Upstream(servers("a", "b", ("c", {"down": True})), "ip_hash")
    value, rehashes = 89, -1
    index = 2
    while index == 2:
        rehashes += 1
        for byte in LOOPBACK:
            value = (value * 113 + byte) % 6271
        index = value % 3
    request, peer = pick(upstream)
    assert rehashes >= 1
    assert peer.name == "abc"[index] and request.hash_tries == rehashes and request.hash == value


def rehashes_to_reach(addr3, weights, target):
    """How many rehashes ip_hash needs before the formula lands on `target` (None if > 20)."""
    value = 89
    for rehash in range(21):
        for byte in addr3:
            value = (value * 113 + byte) % 6271
        w, index = value % sum(weights), 0
        while w >= weights[index]:
            w -= weights[index]
            index += 1
        if index == target:
            return rehash
    return None


def test_ip_hash_falls_back_to_round_robin_after_20_rehashes():
    weights = (100, 100, 1)                                            # c, the only usable, is rarely hashed
    found = {rehashes_to_reach(bytes([10, 0, i]), weights, 2) is None: bytes([10, 0, i])
             for i in range(256)}
    for falls_back, addr in found.items():
        upstream = Upstream(servers(("a", {"weight": 100}), ("b", {"weight": 100}), "c"), "ip_hash")
        request = PeerRequest()
        request.start_balancing(upstream, addr)
        request.tried = 0b011                                          # a and b already tried
        peer = upstream.get(request, EPOCH)
        assert peer.name == "c"
        expected = 21 if falls_back else rehashes_to_reach(addr, weights, 2)
        assert request.hash_tries == expected
    assert set(found) == {True, False}


def test_random_split_is_proportional_to_weight():
    upstream = Upstream(servers(("a", {"weight": 3}), "b"), "random", Random(3))
    n = 20000
    counts = Counter()
    for _ in range(n):
        request, peer = pick(upstream)
        counts[peer.name] += 1
        upstream.free(request, peer, 0, EPOCH)
    share = counts["a"] / n
    sigma = (0.75 * 0.25 / n) ** 0.5
    assert abs(share - 0.75) < 4 * sigma                               # binomial, 4 standard errors


def test_random_two_picks_the_less_loaded_of_two():
    upstream = Upstream(servers("a", "b", "c"), "random_two_least_conn", Random(5))
    a = upstream.peers()[0]
    a.conns = 10                                                       # a is busy
    chosen = Counter()
    for _ in range(3000):
        request, peer = pick(upstream)
        chosen[peer.name] += 1
        upstream.free(request, peer, 0, EPOCH)
    assert chosen["a"] == 0                                            # a loses every comparison
    assert min(chosen["b"], chosen["c"]) > 1200
