"""Lessons: loading the Markdown/TOML lesson files and checking them (`tutor lint`)."""
