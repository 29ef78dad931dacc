"""UI strings in Indonesian and English.

Each module keeps its own catalogue, a dict of key -> {"id": ..., "en": ...}, and looks strings
up with `tr(catalogue, key, lang, **values)`. A missing language falls back to the other one,
and a missing key shows the key itself, so a gap in translation never crashes the app.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("id", "en")
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

Catalogue = Mapping[str, Mapping[str, str]]


def tr(catalogue: Catalogue, key: str, lang: str, **values: object) -> str:
    """The string `key` in `lang` from `catalogue`, formatted with `values`."""
    entry = catalogue.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or next((entry[other] for other in LANGUAGES if other in entry), key)
    return text.format(**values) if values else text


def other_language(lang: str) -> str:
    """The language a switch goes to from `lang`."""
    return "en" if lang == "id" else "id"
