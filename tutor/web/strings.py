"""The text of `tutor serve` (its command-line messages and web pages): the `[serve]` section of the
catalogues in tutor/locale/ (see tutor.i18n). Look it up with `tr(SERVE_STRINGS, key, lang, **values)`.
"""

SERVE_STRINGS = "serve"
"""The catalogue section of `tutor serve`."""
