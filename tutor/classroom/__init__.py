"""`tutor class`: an instructor's board of a class of learners, each on their own laptop.

`tutor class serve` runs the server (server.py, SQLite state in store.py, the board page in
static/ and templates/); learners' apps join with `tutor --join URL` and send their events
through client.py, which reporter.py feeds from the app. Only these modules import aiohttp.
"""
