"""The simulator view's pure drawing parts: diagram text, glyph motion, narration, strings."""

from __future__ import annotations

import pytest

from tutor.simview.diagram import (
    GLYPH_STEP,
    LAYOUTS,
    MAX_NEW_GLYPHS,
    LinkAnimator,
    render_diagram,
    server_at_row,
    server_row,
)
from tutor.simview.eventlog import LogEntry, entry_text
from tutor.simview.frame import Counters, Frame, ServerView, format_ms
from tutor.simview.narration import narrate
from tutor.simview.style import PALETTES, SYMBOLS, palette


def make_frame(**changes) -> Frame:
    servers = (
        ServerView("app1", "10.37.19.46:3000", "up", active=1, served=40),
        ServerView("app2", "10.37.19.47:3000", "stopped", ban_left=7),
        ServerView("app3", "10.37.19.48:3000", "hung"),
    )
    values = dict(t=23.0, duration=60.0, policy="round_robin", rate=20.0, servers=servers,
                  counters=Counters(sent=460, ok=458, e502=1, e504=1, retries=3))
    values.update(changes)
    return Frame(**values)


def test_states_have_distinct_symbols_and_palette_entries():
    assert len(set(SYMBOLS.values())) == len(SYMBOLS)
    for name in PALETTES:
        assert set(SYMBOLS) <= set(PALETTES[name])
    assert palette(True) is PALETTES["colorblind"]


def test_shown_state_prefers_config_down_then_ban():
    assert ServerView("a", "x", "up", down=True, ban_left=3).shown_state == "down"
    assert ServerView("a", "x", "stopped", ban_left=3).shown_state == "banned"
    assert ServerView("a", "x", "stopped").shown_state == "stopped"


@pytest.mark.parametrize("layout", ["normal", "compact", "presenter"])
def test_diagram_shows_every_server_with_symbol_word_and_address(layout):
    frame = make_frame()
    text = render_diagram(frame, None, lang="en", layout=LAYOUTS[layout], palette=palette(False), selected=0)
    lines = text.plain.split("\n")
    for index, server in enumerate(frame.servers):
        line = lines[server_row(index, LAYOUTS[layout])]
        assert server.name in line and server.address in line
        assert SYMBOLS[server.shown_state] in line
    banned = lines[server_row(1, LAYOUTS[layout])]
    assert ("temporarily disabled 7 s" in banned) or ("disabled 7 s" in banned and layout == "compact")
    assert "hung" in lines[server_row(2, LAYOUTS[layout])]
    assert "nginx" in text.plain and "clients" in text.plain


@pytest.mark.parametrize("lang", ["id", "en"])
def test_compact_diagram_fits_80_columns(lang):
    text = render_diagram(make_frame(), None, lang=lang, layout=LAYOUTS["compact"], palette=palette(True), width=78)
    assert max(len(line) for line in text.plain.split("\n")) <= 78
    wide = render_diagram(make_frame(), None, lang=lang, layout=LAYOUTS["normal"], palette=palette(True), width=200)
    assert "served" in wide.plain or "dilayani" in wide.plain  # the extra column only when there is room


def test_indonesian_diagram_uses_indonesian_words():
    text = render_diagram(make_frame(), None, lang="id", layout=LAYOUTS["normal"], palette=palette(False))
    assert "nonaktif sementara 7 dtk" in text.plain and "macet" in text.plain and "klien" in text.plain


def test_click_rows_map_to_servers_in_every_layout():
    for layout in LAYOUTS.values():
        for index in range(3):
            assert server_at_row(server_row(index, layout), 3, layout) == index
        assert server_at_row(0, 3, layout) is None


def test_glyphs_move_along_links_and_leave_at_the_end():
    animator = LinkAnimator(2)
    animator.advance(arrivals=1, attempts=[10, 0], failures=[0, 1])
    assert len(animator.links[0]) == MAX_NEW_GLYPHS  # capped, however many requests went
    assert animator.links[1] == [] and animator.failures[1] > 0 and len(animator.client) == 1
    first = sorted(animator.links[0])
    animator.advance(0, [0, 0], [0, 0])
    assert sorted(animator.links[0]) == pytest.approx([pos + GLYPH_STEP for pos in first])
    for _ in range(int(1 / GLYPH_STEP) + 2):
        animator.advance(0, [0, 0], [0, 0])
    assert animator.idle


def test_glyphs_are_drawn_on_the_link_and_failures_marked():
    animator = LinkAnimator(3)
    animator.advance(1, [1, 0, 0], [0, 1, 0])
    text = render_diagram(make_frame(), animator, lang="en", layout=LAYOUTS["normal"], palette=palette(False))
    lines = text.plain.split("\n")
    assert "▸" in lines[server_row(0, LAYOUTS["normal"])]
    assert "✕" in lines[server_row(1, LAYOUTS["normal"])].split("app2")[0]
    assert "▸" not in lines[server_row(2, LAYOUTS["normal"])]


def test_narration_names_banned_servers_the_serving_one_and_errors():
    frame = make_frame(servers=make_frame().servers[:2])
    line = narrate(frame, {"app1"}, "en", 12.0)
    assert line == "t=23 s: app2 is temporarily disabled (7 s left); app1 answers 12 req/s; 2 errors"
    line_id = narrate(frame, {"app1"}, "id", 12.0)
    assert "app2 nonaktif sementara (7 dtk lagi)" in line_id and "app1 menjawab 12 req/dtk" in line_id


def test_narration_says_what_was_answered_not_what_was_offered_and_who_holds_requests():
    """20 req/s offered, 6 answered, app2 hung holding 14: the line says exactly that."""
    servers = (ServerView("app1", "x", "up", served=90), ServerView("app2", "y", "hung", stuck=14))
    line = narrate(make_frame(servers=servers, counters=Counters(sent=104, ok=90, waiting=14)), {"app1"}, "en", 6.0)
    assert line == "t=23 s: app2 is hung; app1 answers 6 req/s; 14 requests wait on app2 with no answer; 0 errors"
    assert "20" not in line
    nothing = narrate(make_frame(servers=servers, counters=Counters()), set(), "en", None)
    assert "no server is serving" in nothing
    one = (ServerView("app1", "x", "up", served=90), ServerView("app2", "y", "hung", stuck=1))
    line = narrate(make_frame(servers=one, counters=Counters(sent=92, ok=90, e502=1, waiting=1)), {"app1"}, "en", 6.0)
    assert line.endswith("1 request waits on app2 with no answer; 1 error")  # one is no plural


def test_narration_when_all_up_and_shared():
    servers = tuple(ServerView(f"app{i}", "x", "up") for i in (1, 2))
    line = narrate(make_frame(servers=servers, counters=Counters()), {"app1", "app2"}, "en", 20.0)
    assert line == "t=23 s: all servers up; 2 servers answer 20 req/s between them; 0 errors"


def test_log_entries_are_worded_per_language():
    entry = LogEntry(10.0, "ev.stop", {"server": "app2"})
    assert entry_text(entry, "en") == "t=10.0 app2 stopped"
    assert entry_text(entry, "id") == "t=10,0 app2 dihentikan"
    assert entry_text(LogEntry(12.5, "ev.no_live"), "en") == "t=12.5 502: no live upstreams"


def test_format_ms():
    assert format_ms(None) == "—"
    assert format_ms(0.0351) == "35 ms"
    assert format_ms(2.04) == "2.0 s"
    assert format_ms(0.0005) == "0.5 ms"


@pytest.mark.parametrize("layout", ["normal", "compact", "presenter"])
def test_a_direct_scenario_draws_the_clients_talking_to_the_one_server(layout):
    server = ServerView("sinambela", "10.37.19.64:3000", "up", active=1, served=40)
    text = render_diagram(make_frame(servers=(server,), direct=True), None, lang="en", layout=LAYOUTS[layout],
                          palette=palette(False))
    lines = text.plain.split("\n")
    assert "nginx" not in text.plain and "╭" not in text.plain and "clients" in text.plain
    row = lines[server_row(0, LAYOUTS[layout])]
    assert row.index("clients") < row.index("sinambela") and "─" in row
    assert lines[0].rstrip().endswith("served") or layout == "compact"
    assert "nginx" in render_diagram(make_frame(servers=(server,)), None, lang="en", layout=LAYOUTS[layout],
                                     palette=palette(False)).plain
