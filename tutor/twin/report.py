"""The twin run for people: both lanes side by side as a table (fits 80 columns), the per-request
strips, the events, the differences with their causes and what the twin left out."""

from __future__ import annotations

import textwrap

from tutor.i18n import number, tr

TEXT = "twin"


def wait_text(seconds: float, lang: str, compact: bool = False) -> str:
    """A wait as people read it: `120 ms` under a second, else `1.50 s` (`lang`'s decimal mark);
    `compact` (the live lanes): `120ms`, `1.5s`."""
    gap = "" if compact else " "
    if seconds < 1:
        return f"{seconds * 1000:.0f}{gap}ms"
    return f"{number(seconds, lang, '.1f' if compact else '.2f')}{gap}s"


def note_text(note: dict, lang: str) -> str:
    values = {key: value for key, value in note.items() if key != "code"}
    return tr(TEXT, f"note.{note['code']}", lang, **values)


def difference_text(diff: dict, lang: str) -> str:
    """`app2 answered: predicted 36, measured 13 — likely cause: ...`."""
    kind, server = diff["kind"], diff["server"]
    timed = kind in ("p95", "longest")
    fmt = (lambda n: wait_text(n, lang)) if timed else (lambda n: number(n, lang))
    what = tr(TEXT, f"kind.{kind}", lang, server=server)
    values = {key: value for key, value in diff.items()
              if key not in ("kind", "server", "predicted", "measured", "cause")}
    cause = tr(TEXT, f"cause.{diff['cause']}", lang, **values)
    return tr(TEXT, "difference", lang, what=what, predicted=fmt(diff["predicted"]),
              measured=fmt(diff["measured"]), cause=cause)


def _table(result: dict, lang: str) -> list[tuple[str, str, str]]:
    predicted, measured = result["lanes"]["predicted"], result["lanes"]["measured"]
    rows = []
    for name in predicted["servers"]:
        p, m = predicted["servers"][name], measured["servers"][name]
        rows.append((tr(TEXT, "row.answered", lang, server=name), str(p["answered"]), str(m["answered"])))
        rows.append(("  p50 / p95", f"{wait_text(p['p50'], lang)} / {wait_text(p['p95'], lang)}",
                     f"{wait_text(m['p50'], lang)} / {wait_text(m['p95'], lang)}"))
        rows.append((tr(TEXT, "row.longest_server", lang), wait_text(p["longest"], lang), wait_text(m["longest"], lang)))
    ps, ms = predicted["status"], measured["status"]
    rows.append(("502 / 504", f"{ps['502']} / {ps['504']}", f"{ms['502']} / {ms['504']}"))
    rows.append((tr(TEXT, "row.none", lang), str(ps["none"]), str(ms["none"])))
    rows.append((tr(TEXT, "row.longest", lang), wait_text(predicted["longest"], lang),
                 wait_text(measured["longest"], lang)))
    return rows


def strips(predicted: str, measured: str, width: int, lang: str, phase: int = 0) -> list[str]:
    """The two strips one above the other, wrapped at `width`, with ^ under each request that differs
    (compared at round robin's `phase`, as the differences are: tutor.twin.compare.order_mismatches)."""
    aligned = predicted[phase:] + predicted[:phase]
    p_label, m_label = tr(TEXT, "strip.predicted", lang), tr(TEXT, "strip.measured", lang)
    label = max(len(p_label), len(m_label)) + 1
    step = max(10, width - label)
    lines = []
    for start in range(0, max(len(predicted), len(measured)), step):
        p, m = predicted[start:start + step], measured[start:start + step]
        q = aligned[start:start + step]
        marks = "".join("^" if a != b else " " for a, b in zip(q.ljust(len(m)), m.ljust(len(q))))
        lines += [f"{p_label:<{label}}{p}", f"{m_label:<{label}}{m}"]
        if marks.strip():
            lines.append(" " * label + marks.rstrip())
    return lines


def format_report(result: dict, lang: str, width: int = 80) -> str:
    """The whole report, every line at most `width` columns."""
    plan, config = result["plan"], result["config"]
    lines = [tr(TEXT, "title", lang, scenario=result["scenario"], requests=result["sender"]["sent"],
                planned=plan["requests"], seconds=plan["duration"], rate=plan["max_rate"])]
    servers = " ".join(f"{s['name']}={s['address']}" + (f" weight={s['weight']}" if s["weight"] != 1 else "")
                       for s in config["servers"])
    group = f"upstream {config['upstream']}" if config["upstream"] else "proxy_pass"
    lines += textwrap.wrap(tr(TEXT, "config", lang, where=config["where"], group=group, policy=config["policy"],
                              servers=servers, workers=config["workers"]), width, subsequent_indent="  ")
    lines.append("")
    rows = _table(result, lang)
    head = ("", tr(TEXT, "lane.predicted", lang), tr(TEXT, "lane.measured", lang))
    first = max(len(r[0]) for r in (*rows, head)) + 2
    second = max(max(len(r[1]) for r in (*rows, head)) + 3, (width - first) // 2)
    for label, p, m in (head, *rows):
        lines.append(f"{label:<{first}}{p:<{second}}{m}"[:width])
    lines.append("")
    servers_legend = ", ".join(f"{k + 1} = {name}" for k, name in enumerate(result["lanes"]["predicted"]["servers"]))
    lines += textwrap.wrap(tr(TEXT, "strip.legend", lang, servers=servers_legend), width)
    phase = next((note["phase"] for note in result["left_out"] if note["code"] == "phase"), 0)
    lines += strips(result["lanes"]["predicted"]["strip"], result["lanes"]["measured"]["strip"], width, lang, phase)
    if result["events"]:
        lines.append("")
        lines.append(tr(TEXT, "events", lang))
        for event in result["events"]:
            lines.append("  " + tr(TEXT, "event", lang, planned=event["planned"], at=event["at"],
                                   action=event["action"], machine=event["machine"]))
    lines.append("")
    tolerance = tr(TEXT, "tolerance", lang)
    if result["differences"]:
        lines += textwrap.wrap(tr(TEXT, "differences", lang, count=len(result["differences"]), tolerance=tolerance),
                               width)
        for diff in result["differences"]:
            lines += textwrap.wrap(difference_text(diff, lang), width, initial_indent="- ", subsequent_indent="  ")
    else:
        lines += textwrap.wrap(tr(TEXT, "no_differences", lang, tolerance=tolerance), width)
    if result["sender"]["late"] or result["sender"]["stopped"]:
        lines += textwrap.wrap(tr(TEXT, "sender", lang, late=result["sender"]["late"],
                                  sent=result["sender"]["sent"], planned=plan["requests"]), width)
    if result["left_out"]:
        lines.append("")
        lines.append(tr(TEXT, "left_out", lang))
        for note in result["left_out"]:
            lines += textwrap.wrap(note_text(note, lang), width, initial_indent="- ", subsequent_indent="  ")
    return "\n".join(lines)
