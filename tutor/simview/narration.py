"""A one-line description of the simulation for screen readers and projectors."""

from __future__ import annotations

from collections.abc import Collection

from tutor.i18n import tr
from tutor.simview.diagram import state_text
from tutor.simview.frame import Frame
from tutor.simview.strings import STRINGS


def narrate(frame: Frame, serving: Collection[str], lang: str) -> str:
    """E.g. "t=23s: app2 is temporarily disabled (7 s left); app1 serves all 20 req/s; 0 errors".

    `serving` names the servers that answered requests during the last simulated second.
    """
    parts = []
    for server in frame.servers:
        state = server.shown_state
        if state == "banned":
            parts.append(tr(STRINGS, "nar.banned", lang, server=server.name, left=server.ban_left))
        elif state != "up":
            parts.append(tr(STRINGS, "nar.state", lang, server=server.name, state=state_text(server, lang)))
    if not parts:
        parts.append(tr(STRINGS, "nar.all_up", lang))
    names = [server.name for server in frame.servers if server.name in serving]
    if len(names) == 1:
        parts.append(tr(STRINGS, "nar.serves_all", lang, server=names[0], rate=frame.rate))
    elif names:
        parts.append(tr(STRINGS, "nar.serves_n", lang, n=len(names), rate=frame.rate))
    else:
        parts.append(tr(STRINGS, "nar.serves_none", lang))
    parts.append(tr(STRINGS, "nar.errors", lang, n=frame.counters.errors))
    return tr(STRINGS, "nar.time", lang, t=frame.t) + ": " + "; ".join(parts)
