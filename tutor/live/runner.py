"""Run live checks: the API the TUI and `tutor check` use.

    from tutor.live.hosts import machines_from_specs
    from tutor.live.runner import run_checks
    results = await run_checks(["app-running", "proxy-pass"], machines, lang="id", timeout=3.0)

All checks of a call run at the same time (each check probes its hosts in parallel too), so a
step costs about as much as its slowest probe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tutor.live import catalog
from tutor.live.catalog import DEFAULT_TIMEOUT
from tutor.live.checks import CHECKS, Context, Options
from tutor.live.hosts import HostError, Machines
from tutor.live.probe import make_client
from tutor.live.result import CheckResult


def cannot_run(check: str, machines: Machines) -> catalog.Reason | None:
    """Why `check` cannot run with these machines (English, with its catalogue code), or None when it can."""
    return catalog.cannot_run(check, machines.proxy is not None, len(machines.apps))


async def run_checks(check_ids: list[str], machines: Machines, lang: str = "id",
                     timeout: float = DEFAULT_TIMEOUT, options: Options | None = None,
                     on_result: Callable[[CheckResult], None] | None = None) -> list[CheckResult]:
    """Run `check_ids` against `machines` concurrently; results come back in the order asked.

    `on_result` (optional) is called with each result as soon as it is known. Raises HostError
    (a ValueError) when a check cannot run with these machines (see `cannot_run`) or options name
    an unknown app.
    """
    options = options or Options()
    for check in check_ids:
        reason = cannot_run(check, machines)
        if reason:
            raise HostError(reason.code, **reason.values)
    if options.stopped and options.stopped not in {app.role for app in machines.apps}:
        raise HostError("stopped_not_app", stopped=options.stopped)
    async with make_client(timeout) as client:
        ctx = Context(client=client, machines=machines, lang=lang, timeout=timeout, options=options)

        async def one(check: str) -> CheckResult:
            result = await CHECKS[check](ctx)
            if on_result is not None:
                on_result(result)
            return result

        return list(await asyncio.gather(*(one(check) for check in check_ids)))
