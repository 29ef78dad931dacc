"""Break-fix drills on the lab: one seeded fault on the finished tutorial, judged on the end state.

Drills are data (`drills/<id>/drill.toml`, read by `tutor.drills.model`); `tutor.drills.actions`
applies a drill's fault or fix to a lab in a fixed vocabulary (no command from a drill file ever
runs); `tutor.drills.session` starts, checks, hints and ends a drill; the command `tutor drill` is
tutor/cli/drill.py.
"""
