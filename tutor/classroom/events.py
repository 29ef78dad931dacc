"""What a learner's app sends to the class, and the server's checks of it (one place for both sides).

An event is `{"id": str, "t": seconds since the epoch, "kind": KIND, ...fields}`; `KINDS` lists each
kind's fields. Everything that arrives over HTTP goes through `event()` / `learner()` first: bounded
sizes, known kinds and fields only, no control characters.
"""

from __future__ import annotations

import math
import re
from typing import Any

KINDS: dict[str, tuple[str, ...]] = {
    "step_opened": ("lesson", "step"),
    "step_done": ("lesson", "step"),
    "check": ("check", "ok", "code"),
    "answer": ("question", "right"),
    "hint": ("rung",),
    "drill": ("drill", "outcome"),
    "hand": ("up",),
}
"""Every kind of event and its fields (besides id, t, kind): the join screen lists exactly these."""

OPTIONAL = {"hint": ("lesson", "step")}  # the step a hint belongs to, when the app knows it
BOOLEAN = {"ok", "right", "up"}
MAX_TEXT = 80
MAX_NAME = 40
MAX_BODY = 256 * 1024
MAX_BATCH = 200
ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class Invalid(ValueError):
    """Why a request's body cannot be taken (one line, English: the API speaks English)."""


def text(value: Any, what: str, limit: int = MAX_TEXT, *, empty: bool = False) -> str:
    """`value` as a one-line string of at most `limit` characters (control characters removed)."""
    if not isinstance(value, str):
        raise Invalid(f"{what} must be a string")
    cleaned = CONTROL.sub("", value).strip()
    if len(cleaned) > limit:
        raise Invalid(f"{what} is longer than {limit} characters")
    if not cleaned and not empty:
        raise Invalid(f"{what} is empty")
    return cleaned


def identifier(value: Any, what: str) -> str:
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise Invalid(f"{what} must be 1-64 letters, digits or _.:-")
    return value


def learner(value: Any) -> tuple[str, str]:
    """(id, name) of the request's `learner` object."""
    if not isinstance(value, dict):
        raise Invalid("learner must be an object with id and name")
    return identifier(value.get("id"), "learner.id"), text(value.get("name"), "learner.name", MAX_NAME)


def event(value: Any, now: float) -> dict[str, Any]:
    """A clean copy of one event; its time is clamped to `now` (a learner's clock may run ahead)."""
    if not isinstance(value, dict):
        raise Invalid("each event must be an object")
    kind = value.get("kind")
    if kind not in KINDS:
        raise Invalid(f"unknown event kind (known: {', '.join(KINDS)})")
    t = value.get("t")
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t <= 0:
        raise Invalid("t must be a positive number (seconds since 1970)")
    clean: dict[str, Any] = {"id": identifier(value.get("id"), "event id"), "t": min(float(t), now), "kind": kind}
    for field in KINDS[kind]:
        clean[field] = _field(kind, field, value.get(field))
    for field in OPTIONAL.get(kind, ()):
        if value.get(field) is not None:
            clean[field] = text(value[field], field)
    return clean


def _field(kind: str, field: str, value: Any) -> Any:
    if field in BOOLEAN:
        if not isinstance(value, bool):
            raise Invalid(f"{kind}.{field} must be true or false")
        return value
    if field == "rung":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
            raise Invalid("hint.rung must be a number from 1 to 50")
        return value
    if field == "code" and value is None:
        return None
    return text(value, f"{kind}.{field}")


def batch(body: Any, now: float) -> tuple[str, str, list[dict[str, Any]]]:
    """(learner id, name, clean events) of a POST /api/v1/events body; Invalid when any part is wrong."""
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object with learner and events")
    learner_id, name = learner(body.get("learner"))
    events = body.get("events")
    if not isinstance(events, list) or len(events) > MAX_BATCH:
        raise Invalid(f"events must be a list of at most {MAX_BATCH}")
    return learner_id, name, [event(item, now) for item in events]
