"""Widgets of the tutor app (the simulator view lives in `tutor.simview`)."""
