"""The simulator view's text: the `[simview]` section of the catalogues in tutor/locale/.

Look strings up with `tutor.i18n.tr(STRINGS, key, lang, **values)`.
"""

STRINGS = "simview"
"""The catalogue section of the simulator view (diagram, counters, event log, keys, summary)."""
