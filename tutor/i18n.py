"""All user-visible text of the app and the command line, one catalogue file per language.

The catalogues are TOML files in `tutor/locale/` (`id.toml`, `en.toml`): TOML because Python reads
it without a new dependency (`tomllib`), the lessons and scenarios are TOML already, and a
translator edits one plain file with comments next to the strings. (gettext `.po` with Babel would
add a build step that compiles `.mo` files and a dependency, and keys by the English sentence, so
fixing an English typo would orphan every translation.)

Each file has a `[language]` table with the language's own `name`, then one table per section
(`[ui]`, `[simview]`, `[live]`, ...) of `"key" = "text"` lines. Code names a section and a key:
`tr("ui", "home.intro", lang)`; the modules that own a section keep its name in a constant
(`tutor.strings.STRINGS == "ui"`), so calls read `tr(STRINGS, "home.intro", lang)`. `{name}` in a
text is filled from `values` with `str.format`. Adding a language is adding `<code>.toml` with the
same keys (tests check key and placeholder parity). A key missing in one language falls back to
English, then Indonesian, then shows the key itself, so a gap never crashes the app.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

PRIMARY = ("id", "en")
"""Indonesian first (the course's language), then English; any other catalogue file follows."""

FALLBACK = ("en", "id")
"""Where a missing text is looked up next, in this order."""


def locale_dir() -> Traversable:
    """The folder of the catalogue files (inside the installed package)."""
    return files("tutor") / "locale"


def _discover() -> tuple[str, ...]:
    codes = sorted(entry.name.removesuffix(".toml") for entry in locale_dir().iterdir()
                   if entry.name.endswith(".toml"))
    return tuple(code for code in PRIMARY if code in codes) + tuple(c for c in codes if c not in PRIMARY)


LANGUAGES: tuple[str, ...] = _discover()
"""The language codes with a catalogue file: id, en, then the others alphabetically."""


@cache
def catalogue(lang: str) -> dict[str, dict[str, str]]:
    """The catalogue of `lang`: section -> key -> text (empty when there is no such file)."""
    if lang not in LANGUAGES:
        return {}
    return tomllib.loads((locale_dir() / f"{lang}.toml").read_text(encoding="utf-8"))


def lookup(section: str, key: str, lang: str) -> str | None:
    """The raw text of `key` in `section` for `lang`, falling back to English and Indonesian."""
    for code in (lang, *FALLBACK):
        text = catalogue(code).get(section, {}).get(key)
        if text:
            return text
    return None


def tr(section: str, key: str, lang: str, **values: object) -> str:
    """The text `key` of `section` in `lang`, formatted with `values` (the key itself when missing).

    Numbers in `values` are written with the language's decimal mark (`{rate:g}` is "11,7" in
    Indonesian), as `number()` writes them."""
    text = lookup(section, key, lang)
    if text is None:
        return key
    if not values:
        return text
    mark = decimal_mark(lang)
    return text.format(**values) if mark == "." else _NumberFormatter(mark).format(text, **values)


def decimal_mark(lang: str) -> str:
    """The decimal separator of `lang` (its catalogue's `[language] decimal`, else ".")."""
    return catalogue(lang).get("language", {}).get("decimal", ".")


def number(value: float, lang: str, spec: str = "g") -> str:
    """`format(value, spec)` with `lang`'s decimal mark: THE way a number with a fraction is shown.
    A `,` spec groups thousands with the other mark ("1.000.000" where the decimal mark is ",")."""
    return _marked(format(value, spec), decimal_mark(lang))


def _marked(text: str, mark: str) -> str:
    """A number written with "." as decimal mark and "," between thousands, written with `mark`."""
    if mark == ".":
        return text
    return text.replace(",", "\0").replace(".", mark).replace("\0", "." if mark == "," else ",")


class _NumberFormatter(string.Formatter):
    """str.format that writes float and int fields with another decimal mark."""

    def __init__(self, mark: str) -> None:
        self.mark = mark

    def format_field(self, value: object, format_spec: str) -> str:
        text = format(value, format_spec)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = _marked(text, self.mark)
        return text


def has(section: str, key: str) -> bool:
    """Whether `key` exists in `section` (of any language)."""
    return lookup(section, key, PRIMARY[0]) is not None


def language_name(lang: str, short: bool = False) -> str:
    """A language's name in that language ("Bahasa Indonesia", "English"; short: "Indonesia")."""
    names = catalogue(lang).get("language", {})
    return names.get("short" if short else "name") or names.get("name") or lang


def other_language(lang: str) -> str:
    """The language a switch goes to from `lang`: the next one with a catalogue, round the list."""
    if lang not in LANGUAGES:
        return LANGUAGES[0]
    return LANGUAGES[(LANGUAGES.index(lang) + 1) % len(LANGUAGES)]
