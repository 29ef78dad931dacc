"""`tutor serve`: the whole app in a web browser, one app process per browser tab (textual-serve).

Only `tutor serve` imports this package, so no other command loads aiohttp or textual-serve.
"""

DEFAULT_MAX_SESSIONS = 30
"""Sessions served at once unless `--max-sessions` says otherwise (benchmarks/bench_serve.py sizes it)."""
