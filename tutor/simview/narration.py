"""A one-line description of the simulation for screen readers and projectors."""

from __future__ import annotations

from collections.abc import Collection

from tutor.i18n import tr
from tutor.simview.diagram import state_text
from tutor.simview.frame import Frame, format_rate
from tutor.simview.strings import STRINGS


def narrate(frame: Frame, serving: Collection[str], lang: str, answered: float | None = None) -> str:
    """E.g. "t=23s: app2 is hung; app1 answers 10 req/s; 14 requests wait on app2 with no answer; 0 errors".

    `serving` names the servers that answered requests during the last simulated second and
    `answered` is the OK answers per second (the sparkline's average): the line says what the
    counters and the table show, never the offered rate as if it were served.
    """
    parts = []
    for server in frame.servers:
        state = server.shown_state
        if state == "banned":
            parts.append(tr(STRINGS, "nar.banned", lang, server=server.name, left=server.ban_left))
        elif state != "up":
            parts.append(tr(STRINGS, "nar.state", lang, server=server.name, state=state_text(server, lang)))
    if not parts:
        parts.append(tr(STRINGS, "nar.all_up_direct", lang, server=frame.servers[0].name) if frame.direct
                     else tr(STRINGS, "nar.all_up", lang))
    names = [server.name for server in frame.servers if server.name in serving]
    rate = format_rate(answered, lang)
    if not names and frame.t < 1.0:  # no whole second played yet: nothing to say about serving
        parts.append(tr(STRINGS, "nar.not_started", lang))
    elif len(names) == 1:
        parts.append(tr(STRINGS, "nar.serves_all", lang, server=names[0], rate=rate))
    elif names:
        parts.append(tr(STRINGS, "nar.serves_n", lang, n=len(names), rate=rate))
    else:
        parts.append(tr(STRINGS, "nar.serves_none_direct" if frame.direct else "nar.serves_none", lang,
                        server=frame.servers[0].name))
    for server in frame.servers:
        if server.stuck:
            key = "nar.waiting_one" if server.stuck == 1 else "nar.waiting"
            parts.append(tr(STRINGS, key, lang, n=server.stuck, server=server.name))
    errors = frame.counters.errors
    parts.append(tr(STRINGS, "nar.errors_one" if errors == 1 else "nar.errors", lang, n=errors))
    return tr(STRINGS, "nar.time", lang, t=frame.t) + ": " + "; ".join(parts)
