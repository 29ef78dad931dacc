"""Every key of the TUI, declared once.

A screen or widget lists its keys as `KEYMAP = (Key(...), ...)` and sets `BINDINGS =
bindings(KEYMAP)`. Each `Key` has an id ("lesson.next"), default keys, an action and catalogue keys
for what it does (F1 help) and, if it belongs in the key bar, a short label. From the bindings
Textual has ACTIVE at a moment (the focused widget's, then its screen's, then the app's, with the
user's keymap applied) the key bar (`bar_pairs`) and the F1 help (`help_rows`) are built, so both
always show the keys that will act and in the learner's language.

The user keymap is `"keymap": {"lesson.next": "right", ...}` in settings.json, given to Textual's
`App.set_keymap` (as posting does): binding id -> comma-separated Textual key names. Textual takes
a key a keymap gives to one binding away from every other, so `keep_quit` first removes the quit
keys (Ctrl+Q unless the keymap moves quitting elsewhere) from every other binding of the keymap:
quitting always stays reachable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from tutor.i18n import language_name, other_language, tr


@dataclass(frozen=True)
class Key:
    """One key of the app: id (for the user keymap), default keys, action and its texts."""

    id: str
    keys: str  # Textual key names, comma-separated: "n", "escape,b", "ctrl+p"
    action: str | None  # None: a key a widget handles itself (Enter in a list), listed in help only
    text: str  # catalogue key of what it does, for the F1 help
    bar: str | None = None  # catalogue key of a short label when it belongs in the key bar
    display: str | None = None  # how the default keys are written, when not just the key names
    priority: bool = False  # also acts while a dialog is open
    pin: bool = False  # early in the key bar (right after F1 help), e.g. the way back
    in_help: bool = True  # False: one of a group that F1 help lists as one row (the scroll keys)
    section: str = "ui"  # the catalogue section of `text` and `bar`


QUIT_ID = "app.quit"  # the id and default keys of the app's quit Key (tutor.app)
QUIT_KEYS = "ctrl+q"


def keep_quit(keymap: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """`keymap` without the quit keys on any other binding, and the ids of the bindings that lost one."""
    quit_keys = set(keymap.get(QUIT_ID, QUIT_KEYS).split(","))
    kept: dict[str, str] = {}
    refused: list[str] = []
    for binding_id, keys in keymap.items():
        names = keys.split(",")
        if binding_id != QUIT_ID and quit_keys & set(names):
            refused.append(binding_id)
            names = [name for name in names if name not in quit_keys]
        if names:
            kept[binding_id] = ",".join(names)
    return kept, refused


def bindings(keys: Iterable[Key]) -> list[BindingType]:
    """Textual bindings (with ids) for `keys`; shown in the key bar when `bar` is set."""
    return [Binding(key.keys, key.action, key.text, show=key.bar is not None, priority=key.priority, id=key.id)
            for key in keys if key.action is not None]


def declared(node: DOMNode) -> tuple[Key, ...]:
    """The keys `node`'s class declares in KEYMAP."""
    return tuple(getattr(type(node), "KEYMAP", ()))


def _chain(screen) -> list[DOMNode]:
    """Focused widget and its ancestors up to the screen, then the app: where keys are looked up."""
    focused = screen.focused
    nodes = list(focused.ancestors_with_self) if focused is not None else [screen, screen.app]
    return [node for node in nodes if declared(node)]


def _active(screen) -> dict[str, list[str]]:
    """Binding id -> the keys that act on `screen` right now (Textual key names, user keymap applied)."""
    active: dict[str, list[str]] = {}
    for binding_key, entry in screen.active_bindings.items():
        if entry.binding.id:
            active.setdefault(entry.binding.id, []).append(binding_key)
    return active


def _display(screen, key: Key, active: Mapping[str, list[str]]) -> str | None:
    """How the keys of `key` are written now, or None when none of them acts."""
    if key.action is None:
        return key.display or key.keys
    keys = active.get(key.id)
    if not keys:
        return None
    if key.display and set(keys) == set(key.keys.split(",")):
        return key.display
    return " / ".join(screen.app.get_key_display(Binding(name, "")) for name in keys)


def bar_pairs(screen, lang: str, hidden: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(key, short label) of the bar keys that act now: F1 help first, then the innermost keys."""
    active = _active(screen)
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    nodes = _chain(screen)
    ordered = [key for node in nodes for key in declared(node)]
    ordered.sort(key=lambda key: (key.action != "help", not key.pin))  # F1 help first: it lists all the rest
    for key in ordered:
        if key.bar is None or key.id in seen or key.id in hidden:
            continue
        shown = _display(screen, key, active)
        if shown is None:
            continue
        seen.add(key.id)
        switch_to = language_name(other_language(lang), short=True)  # for the language key's label
        pairs.append((_compact(shown), tr(key.section, key.bar, lang, language=switch_to)))
    return pairs


def help_rows(screen, lang: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(this screen's rows, the rows that work everywhere) of the F1 help: key and what it does."""
    active = _active(screen)
    own: list[tuple[str, str]] = []
    everywhere: list[tuple[str, str]] = []
    seen: set[str] = set(getattr(screen, "help_hidden_keys", frozenset)())  # Esc listed once (its other meaning)
    for node in _chain(screen):
        rows = everywhere if node is screen.app else own
        text_of = getattr(node, "help_text", None)  # a node may word a key for its present state
        for key in declared(node):
            shown = _display(screen, key, active) if key.in_help else None
            if shown is None or key.id in seen:
                continue
            seen.add(key.id)
            rows.append((shown, tr(key.section, text_of(key) if text_of else key.text, lang)))
    return own, everywhere


def _compact(shown: str) -> str:
    """The bar's short form: the first of several keys, ^ for Ctrl ("Esc / b" -> "Esc", "Ctrl+P" -> "^p")."""
    return re.sub(r"Ctrl\+(\w)", lambda match: "^" + match[1].lower(), shown.split(" / ")[0])
