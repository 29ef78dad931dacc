"""Screens of the tutor app: home (lesson list), lesson, and the small dialogs."""
