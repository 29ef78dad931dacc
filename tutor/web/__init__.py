"""`tutor serve`: the whole app in a web browser, one app process per browser tab (textual-serve).

Only `tutor serve` imports this package, so no other command loads aiohttp or textual-serve.
"""

DEFAULT_MAX_SESSIONS = 40
"""Sessions served at once unless `--max-sessions` says otherwise.

Sized by benchmarks/bench_serve.py on the 2-core, 24 GB machine class: a session takes ~55 MiB with
the simulator playing (memory alone would hold ~300), and a playing simulator ~7 % of one core, so
the two cores, not memory, are the limit. 40 = a classroom of 30 with spare tabs, 2.2 GiB at most;
if every one of them played a simulator at the same moment they would slow down, not fail.
"""
