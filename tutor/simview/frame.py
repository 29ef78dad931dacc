"""Plain data the simulator view draws: one `Frame` per update, built from a simulator snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from tutor.i18n import number, tr
from tutor.simview.strings import STRINGS

POLICIES = ("round_robin", "least_conn", "ip_hash", "random")
NO_DATA = "—"  # a number that cannot be known yet (no answer to measure)


@dataclass(frozen=True)
class ServerView:
    """One upstream server as the learner sees it."""

    name: str
    address: str
    state: str  # up | stopped | hung | poweroff | slow
    backup: bool = False
    down: bool = False
    ban_left: int = 0  # whole seconds of "temporarily disabled" left, 0 when eligible
    active: int = 0
    queued: int = 0
    stuck: int = 0  # requests nginx waits on with no answer coming (hung app, powered-off VM)
    served: int = 0  # requests it answered

    @property
    def shown_state(self) -> str:
        """The state the diagram shows: config `down` and a running ban hide the process state."""
        if self.down:
            return "down"
        if self.ban_left > 0:
            return "banned"
        return self.state


@dataclass(frozen=True)
class Counters:
    """What the clients saw so far."""

    sent: int = 0
    ok: int = 0
    e502: int = 0
    e504: int = 0
    retries: int = 0
    waiting: int = 0  # sent, not answered yet (what `tutor sim` reports as unanswered at the end)

    @property
    def errors(self) -> int:
        """Client-visible errors (502 and 504)."""
        return self.e502 + self.e504


@dataclass(frozen=True)
class Frame:
    """Everything one redraw needs; equal frames mean nothing to redraw."""

    t: float
    duration: float
    policy: str
    rate: float
    servers: tuple[ServerView, ...]
    counters: Counters
    finished: bool = False
    direct: bool = False  # the clients talk to the one server itself: no nginx box is drawn


def format_ms(seconds: float | None, lang: str = "en") -> str:
    """A latency for people: "35 ms", "1.2 s" ("1,2 dtk" in Indonesian), "—" when unknown (nothing answered)."""
    if seconds is None:
        return NO_DATA
    if seconds >= 1.0:
        return tr(STRINGS, "unit.seconds", lang, value=number(seconds, lang, ".1f"))
    if seconds < 0.01:
        return f"{number(seconds * 1000, lang, '.1f')} ms"
    return f"{seconds * 1000:.0f} ms"


def format_rate(value: float | None, lang: str = "en") -> str:
    """A rate or other measured number with 3 significant digits ("11.7", "11,7"), "—" when unknown."""
    return NO_DATA if value is None else number(value, lang, ".3g")
