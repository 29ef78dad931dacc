"""nginx's upstream peer selection and passive health checks, transcribed from its C source.

Plain Python (no SimPy), so it can be tested against nginx's algorithms on its own. Names follow
nginx: `get_*` is `ngx_http_upstream_get_*_peer()`, `free` is
`ngx_http_upstream_free_round_robin_peer()` (see reference/nginx-semantics.md section 2).
Times are nginx's clock: whole seconds (`nginx_now`), as `ngx_time()` is.
One `Upstream` is the peer state of one nginx worker process (or of all of them with `zone`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from random import Random
from typing import Callable, Sequence

EPOCH = 1_000_000
"""Seconds added to simulated time so nginx's clock never starts at zero (nginx uses epoch time)."""

PEER_NEXT = 2
PEER_FAILED = 4
"""`state` values for `Upstream.free`, as in nginx (0 = success)."""

DISABLED = 1
ENABLED = 2
"""What `Upstream.free` reports: the failure banned the peer, or a probe's success re-enabled it."""

HASH_TRIES = 20
"""ip_hash and random give up after this many unusable picks and fall back to round robin."""


def nginx_now(t: float) -> int:
    """nginx's cached clock (`ngx_time()`, whole seconds) at simulated time `t` >= 0."""
    return EPOCH + int(t)


class Peer:
    """One upstream server as nginx's `ngx_http_upstream_rr_peer_t` sees it."""

    __slots__ = ("index", "name", "bit", "weight", "effective_weight", "current_weight", "conns",
                 "max_conns", "fails", "max_fails", "fail_timeout", "accessed", "checked", "down")

    def __init__(self, index: int, position: int, server) -> None:
        self.index = index              # position in Scenario.servers
        self.name = server.name
        self.bit = 1 << position        # bit in the per-request `tried` bitmap of its group
        self.weight = server.weight
        self.effective_weight = server.weight
        self.current_weight = 0
        self.conns = 0
        self.max_conns = server.max_conns
        self.fails = 0
        self.max_fails = server.max_fails
        self.fail_timeout = server.fail_timeout
        self.accessed = 0
        self.checked = 0
        self.down = server.down

    def usable(self, tried: int, now: int) -> bool:
        """True when nginx may choose this peer for a request that has tried the peers in `tried`."""
        return not (tried & self.bit or self.down or self.banned(now)
                    or (self.max_conns and self.conns >= self.max_conns))

    def banned(self, now: int) -> bool:
        """True while max_fails/fail_timeout keeps nginx from choosing this peer."""
        return bool(self.max_fails) and self.fails >= self.max_fails and now - self.checked <= self.fail_timeout

    def banned_until(self) -> float:
        """Simulated time at which the current ban ends (nginx's clock passes checked + fail_timeout)."""
        return float(self.checked - EPOCH + math.floor(self.fail_timeout) + 1)


class PeerGroup:
    """`ngx_http_upstream_rr_peers_t`: the primary servers, or the backup servers."""

    __slots__ = ("peers", "single", "total_weight", "tries", "next", "starts")

    def __init__(self, peers: list[Peer], single: bool) -> None:
        self.peers = peers
        self.single = single
        self.total_weight = sum(peer.weight for peer in peers)
        self.tries = sum(not peer.down for peer in peers)
        self.next: PeerGroup | None = None
        self.starts = []                # random: where each peer's range of weights starts
        start = 0
        for peer in peers:
            self.starts.append(start)
            start += peer.weight


class PeerRequest:
    """Per-request balancer data (`ngx_http_upstream_rr_peer_data_t` and the policy's extras)."""

    __slots__ = ("group", "tried", "tries", "addr", "hash", "hash_tries")
    group: PeerGroup
    tried: int          # bitmap of the group's peers tried
    tries: int          # attempts left
    addr: bytes         # the client address's first three octets (ip_hash)
    hash: int
    hash_tries: int

    def start_balancing(self, upstream: Upstream, addr: bytes, tries_cap: int = 0) -> None:
        """Reset for a new request from client address bytes `addr` (tries as nginx computes them)."""
        self.group = upstream.primary
        self.tried = 0
        tries = upstream.tries
        self.tries = tries_cap if tries_cap and tries > tries_cap else tries
        self.addr = addr
        self.hash = 89
        self.hash_tries = 0


class Upstream:
    """An `upstream {}` block: peers, their state, and the balancing policy's `get`."""

    def __init__(self, servers: Sequence, policy: str = "round_robin", rng: Random | None = None) -> None:
        primaries = [(i, s) for i, s in enumerate(servers) if not s.backup]
        backups = [(i, s) for i, s in enumerate(servers) if s.backup]
        # nginx: `single` (never banned, never retried) = one primary and no backup servers
        self.primary = PeerGroup([Peer(i, pos, s) for pos, (i, s) in enumerate(primaries)],
                                 single=len(primaries) == 1 and not backups)
        if backups:
            self.primary.next = PeerGroup([Peer(i, pos, s) for pos, (i, s) in enumerate(backups)],
                                          single=False)
        backup = self.primary.next
        # `ngx_http_upstream_tries()`: servers that are not `down`, backups included
        self.tries = self.primary.tries + (backup.tries if backup else 0)
        self.policy = policy
        self.rng = rng or Random(0)
        self.get: Callable[[PeerRequest, int], Peer | None] = {
            "round_robin": self.get_round_robin,
            "least_conn": self.get_least_conn,
            "ip_hash": self.get_ip_hash,
            "random": self.get_random,
            "random_two_least_conn": self.get_random_two,
        }[policy]

    def peers(self) -> list[Peer]:
        """Every peer, primaries first, then backups."""
        backup = self.primary.next
        return self.primary.peers + (backup.peers if backup else [])

    # -- round robin -----------------------------------------------------------------------------

    def _get_peer(self, group: PeerGroup, req: PeerRequest, now: int) -> Peer | None:
        """Smooth weighted round robin over the eligible peers of `group`."""
        best = None
        total = 0
        tried = req.tried
        for peer in group.peers:
            if not peer.usable(tried, now):
                continue
            peer.current_weight += peer.effective_weight
            total += peer.effective_weight
            if peer.effective_weight < peer.weight:
                peer.effective_weight += 1
            if best is None or peer.current_weight > best.current_weight:
                best = peer
        if best is None:
            return None
        best.current_weight -= total
        if now - best.checked > best.fail_timeout:
            best.checked = now
        req.tried |= best.bit
        return best

    def get_round_robin(self, req: PeerRequest, now: int) -> Peer | None:
        """Pick a peer by round robin; None = NGX_BUSY ("no live upstreams")."""
        group = req.group
        peer: Peer | None
        if group.single:
            peer = group.peers[0]
            if peer.down or (peer.max_conns and peer.conns >= peer.max_conns):
                peer = None
        else:
            peer = self._get_peer(group, req, now)
        if peer is not None:
            peer.conns += 1
            return peer
        if group.next is not None:
            req.group = group.next
            req.tried = 0
            return self.get_round_robin(req, now)
        return None

    # -- least_conn ------------------------------------------------------------------------------

    def get_least_conn(self, req: PeerRequest, now: int) -> Peer | None:
        """Fewest connections per weight; ties go through the smooth-WRR step, from the first one."""
        group = req.group
        if group.single:
            return self.get_round_robin(req, now)
        peers = group.peers
        tried = req.tried
        best = None
        many = False
        first = 0
        for i, peer in enumerate(peers):
            if not peer.usable(tried, now):
                continue
            if best is None or peer.conns * best.weight < best.conns * peer.weight:
                best, many, first = peer, False, i
            elif peer.conns * best.weight == best.conns * peer.weight:
                many = True
        if best is None:
            if group.next is not None:
                req.group = group.next
                req.tried = 0
                return self.get_least_conn(req, now)
            return None
        if many:
            total = 0
            for peer in peers[first:]:
                if not peer.usable(tried, now) or peer.conns * best.weight != best.conns * peer.weight:
                    continue
                peer.current_weight += peer.effective_weight
                total += peer.effective_weight
                if peer.effective_weight < peer.weight:
                    peer.effective_weight += 1
                if peer.current_weight > best.current_weight:
                    best = peer
            best.current_weight -= total
        if now - best.checked > best.fail_timeout:
            best.checked = now
        best.conns += 1
        req.tried |= best.bit
        return best

    # -- ip_hash ---------------------------------------------------------------------------------

    def get_ip_hash(self, req: PeerRequest, now: int) -> Peer | None:
        """Hash the client's first three octets; rehash on an unusable peer, RR after 20 tries."""
        group = req.group
        if req.hash_tries > HASH_TRIES or len(group.peers) < 2:
            return self.get_round_robin(req, now)
        peers = group.peers
        value = req.hash
        while True:
            for byte in req.addr:
                value = (value * 113 + byte) % 6271
            w = value % group.total_weight
            position = 0
            peer = peers[0]
            while w >= peer.weight:
                w -= peer.weight
                position += 1
                peer = peers[position]
            if not (req.tried & peer.bit or peer.down or peer.banned(now)
                    or (peer.max_conns and peer.conns >= peer.max_conns)):
                break
            req.hash_tries += 1
            if req.hash_tries > HASH_TRIES:
                return self.get_round_robin(req, now)
        peer.conns += 1
        if now - peer.checked > peer.fail_timeout:
            peer.checked = now
        req.tried |= peer.bit
        req.hash = value
        return peer

    # -- random, random two least_conn ------------------------------------------------------------

    def _peek(self, group: PeerGroup) -> Peer:
        """A peer drawn with probability proportional to its weight (down ones included)."""
        x = self.rng.randrange(group.total_weight)
        return group.peers[bisect_right(group.starts, x) - 1]

    def _usable(self, peer: Peer, req: PeerRequest, now: int) -> bool:
        return not (req.tried & peer.bit or peer.down or peer.banned(now)
                    or (peer.max_conns and peer.conns >= peer.max_conns))

    def get_random(self, req: PeerRequest, now: int) -> Peer | None:
        """A weighted random peer; redraw on an unusable one, RR after 20 tries."""
        group = req.group
        if req.hash_tries > HASH_TRIES or len(group.peers) < 2:
            return self.get_round_robin(req, now)
        while True:
            peer = self._peek(group)
            if self._usable(peer, req, now):
                break
            req.hash_tries += 1
            if req.hash_tries > HASH_TRIES:
                return self.get_round_robin(req, now)
        return self._take(peer, req, now)

    def get_random_two(self, req: PeerRequest, now: int) -> Peer | None:
        """`random two least_conn`: two distinct usable random peers, the one with fewer conns/weight."""
        group = req.group
        if req.hash_tries > HASH_TRIES or len(group.peers) < 2:
            return self.get_round_robin(req, now)
        prev = None
        while True:
            peer = self._peek(group)
            if peer is not prev and self._usable(peer, req, now):
                if prev is not None:
                    if peer.conns * prev.weight > prev.conns * peer.weight:
                        peer = prev
                    break
                prev = peer
            req.hash_tries += 1
            if req.hash_tries > HASH_TRIES:
                return self.get_round_robin(req, now)
        return self._take(peer, req, now)

    def _take(self, peer: Peer, req: PeerRequest, now: int) -> Peer:
        if now - peer.checked > peer.fail_timeout:
            peer.checked = now
        peer.conns += 1
        req.tried |= peer.bit
        return peer

    # -- passive health checks -------------------------------------------------------------------

    def free(self, req: PeerRequest, peer: Peer, state: int, now: int) -> int:
        """Account for the end of an attempt; returns DISABLED, ENABLED or 0."""
        if req.group.single:
            peer.conns -= 1
            req.tries = 0
            return 0
        change = 0
        if state & PEER_FAILED:
            peer.fails += 1
            peer.accessed = peer.checked = now
            if peer.max_fails:
                peer.effective_weight -= peer.weight // peer.max_fails
                if peer.fails >= peer.max_fails:
                    change = DISABLED
            if peer.effective_weight < 0:
                peer.effective_weight = 0
        elif peer.accessed < peer.checked:
            if peer.max_fails and peer.fails >= peer.max_fails:
                change = ENABLED
            peer.fails = 0
        peer.conns -= 1
        if req.tries:
            req.tries -= 1
        return change
