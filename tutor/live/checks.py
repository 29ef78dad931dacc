"""The six live checks (DESIGN.md section 5). Each takes a Context and returns a CheckResult."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tutor.live.hosts import Machine, Machines
from tutor.live.messages import join_names, percent, say
from tutor.live.probe import Probe, fetch
from tutor.live.resolve import resolve
from tutor.live.result import CheckResult, empty_evidence
from tutor.sanitize import sanitize
from tutor.live.stats import split_p_value

DEFAULT_PAGE_MARK = b"Welcome to nginx!"
SIGNIFICANCE = 0.01  # below this p-value the split is called uneven
CHANCE_ASIDE = 0.5  # a passing split with a p-value below this says how often chance gives such counts
STOPPED_KINDS = ("refused", "timeout", "unreachable", "vm_stopped")
_FAILURE_CODES = {"refused": "refused", "timeout": "timeout", "unreachable": "unreachable",
                  "dns": "dns", "vm_stopped": "unreachable", "broken": "http_status"}


@dataclass
class Options:
    """Tuning for the load-balancing checks (the defaults suit `tutor check`).

    weights: role -> expected share (an app not named: 1, so by default every app equally).
    samples: requests lb-distributes sends (default 30 per app, 12 to 120).
    failover_samples: requests lb-failover sends (default two per app plus two).
    stopped: the app role the learner stopped for lb-failover (default: whichever refuses).
    budget: seconds a sampling check may take in all (default 3 x timeout).
    """

    weights: dict[str, float] | None = None
    samples: int | None = None
    failover_samples: int | None = None
    stopped: str | None = None
    budget: float | None = None


@dataclass
class Context:
    """What a check needs: a client, the machines, the language and the bounds."""

    client: httpx.AsyncClient
    machines: Machines
    lang: str = "id"
    timeout: float = 3.0
    options: Options = field(default_factory=Options)

    def say(self, key: str, **values: object) -> str:
        return say(key, self.lang, lab=self.machines.lab, **values)

    @property
    def proxy(self) -> Machine:
        """The proxy machine, for the checks that go through it: `run_checks` runs none of them
        without one (`catalog.cannot_run`)."""
        proxy = self.machines.proxy
        if proxy is None:
            raise LookupError("no proxy machine: run_checks refuses this check first")
        return proxy

    @property
    def budget(self) -> float:
        return self.options.budget if self.options.budget is not None else 3 * self.timeout


def failure_result(ctx: Context, check: str, machine: Machine, probe: Probe) -> CheckResult:
    """The result for a machine that did not answer HTTP (refused, timeout, unreachable, ...)."""
    return CheckResult(check, False, _FAILURE_CODES[_failure(probe)],
                       failure_message(ctx, machine, probe), probe.evidence())


def failure_message(ctx: Context, machine: Machine, probe: Probe) -> str:
    kind = _failure(probe)
    if kind in ("refused", "timeout"):
        kind = f"{kind}.{'proxy' if machine.role == 'proxy' else 'app'}"
    if kind == "timeout.proxy" and probe.sent:  # nginx took the request: it waits for an app
        kind = "timeout.proxy_waiting"
    return ctx.say(kind, label=machine.label, name=machine.name, port=machine.port,
                   host=machine.host, timeout=ctx.timeout, detail=probe.detail)


def _failure(probe: Probe) -> str:
    """Why `probe` got no answer: its failure kind ("broken" if it names none)."""
    return probe.failure or "broken"


def _status(probe: Probe) -> int:
    """The HTTP status `probe` got, 0 when it got none (no range of statuses holds 0)."""
    return probe.status if probe.status is not None else 0


def _title_part(probe: Probe) -> str:
    return f" “{probe.title}”" if probe.title else ""


# --- app-running ------------------------------------------------------------------------------

async def app_running(ctx: Context) -> CheckResult:
    """Every configured app role answers HTTP (a status below 500) on its port."""
    apps = ctx.machines.apps
    probes = await asyncio.gather(*(fetch(ctx.client, app, ctx.timeout) for app in apps))
    details = {app.role: {"status": p.status, "failure": p.failure} for app, p in zip(apps, probes)}
    failures = []
    for app, probe in zip(apps, probes):
        if not probe.answered:
            failures.append(failure_result(ctx, "app-running", app, probe))
        elif _status(probe) >= 500:  # the app runs but fails: not "running" for the lesson
            failures.append(CheckResult("app-running", False, "http_status", ctx.say(
                "app.status", label=app.label, status=probe.status, name=app.name), probe.evidence()))
        elif _status(probe) == 404:  # the app serves its page at /: whatever answered is something else
            server = sanitize(probe.headers.get("server", ""), 60) or "-"
            page = ctx.say("app.page_titled", title=probe.title, server=server) if probe.title else \
                ctx.say("app.page_untitled", server=server)
            failures.append(CheckResult("app-running", False, "http_status", ctx.say(
                "app.not_found", label=app.label, page=page, port=app.port, name=app.name), probe.evidence()))
    if failures:
        first = failures[0]
        message = " ".join(result.message for result in failures)
        return CheckResult("app-running", False, first.code, message, first.evidence, details)
    answers = ", ".join(f"{app.label} HTTP {p.status}{_title_part(p)}" for app, p in zip(apps, probes))
    slowest = max(probes, key=lambda p: p.elapsed_ms)
    return CheckResult("app-running", True, None, ctx.say("app.ok", answers=answers),
                       slowest.evidence(), details)


# --- nginx-running ----------------------------------------------------------------------------

async def nginx_running(ctx: Context) -> CheckResult:
    """The proxy answers HTTP with a `Server: nginx...` header."""
    proxy = ctx.proxy
    probe = await fetch(ctx.client, proxy, ctx.timeout)
    if not probe.answered:
        return failure_result(ctx, "nginx-running", proxy, probe)
    server = sanitize(probe.headers.get("server", ""), 60)
    if not server.lower().startswith("nginx"):
        return CheckResult("nginx-running", False, "not_nginx", ctx.say(
            "nginx.not_nginx", label=proxy.label, server=server or ctx.say("no_header"),
            port=proxy.port, name=proxy.name), probe.evidence())
    return CheckResult("nginx-running", True, None, ctx.say(
        "nginx.ok", label=proxy.label, server=server, status=probe.status), probe.evidence())


# --- proxy-pass -------------------------------------------------------------------------------

def proxy_status_result(ctx: Context, check: str, probe: Probe) -> CheckResult | None:
    """The failed result for a request through the proxy that did not get the app's page: no
    answer, an error, a redirect, nginx's default page (None when it got the app's page)."""
    proxy, domain = ctx.proxy, ctx.machines.domain
    if not probe.answered:
        return failure_result(ctx, check, proxy, probe)
    status = _status(probe)
    values = {"label": proxy.label, "name": proxy.name, "domain": domain, "status": status}
    if status == 502:
        return CheckResult(check, False, "bad_gateway", ctx.say("pass.bad_gateway", **values), probe.evidence())
    if status == 504:
        return CheckResult(check, False, "gateway_timeout", ctx.say("pass.gateway_timeout", **values),
                           probe.evidence())
    if 300 <= status < 400:
        location = sanitize(probe.headers.get("location", ""), 100)
        return CheckResult(check, False, "http_status", ctx.say("pass.redirect", location=location, **values),
                           probe.evidence())
    if not 200 <= status < 300:
        return CheckResult(check, False, "http_status", ctx.say("pass.status", **values), probe.evidence())
    if DEFAULT_PAGE_MARK in probe.body:
        return CheckResult(check, False, "default_page", ctx.say("pass.default_page", **values),
                           probe.evidence())
    return None


async def proxy_pass(ctx: Context) -> CheckResult:
    """The proxy, asked for DOMAIN, returns the app's page (not an error, not nginx's default page)."""
    proxy, domain = ctx.proxy, ctx.machines.domain
    probe = await fetch(ctx.client, proxy, ctx.timeout, host_header=domain)
    failed = proxy_status_result(ctx, "proxy-pass", probe)
    if failed:
        return failed
    return CheckResult("proxy-pass", True, None, ctx.say(
        "pass.ok", domain=domain, label=proxy.label, title=_title_part(probe), status=probe.status),
        probe.evidence())


# --- hosts-file -------------------------------------------------------------------------------

async def hosts_file(ctx: Context) -> CheckResult:
    """DOMAIN resolves on this machine to the proxy's address."""
    proxy, domain = ctx.proxy, ctx.machines.domain
    if proxy.host is None:  # multipass lists the proxy VM, but it is not running
        return failure_result(ctx, "hosts-file", proxy, await fetch(ctx.client, proxy, ctx.timeout))
    start = time.monotonic()
    evidence = {**empty_evidence(), "url": f"http://{domain}/"}
    values = {"domain": domain, "ip": proxy.host, "timeout": ctx.timeout, "proxy": proxy.host}

    def result(ok: bool, code: str | None, key: str, **more: object) -> CheckResult:
        evidence["elapsed_ms"] = round((time.monotonic() - start) * 1000)
        return CheckResult("hosts-file", ok, code, ctx.say(key, **values, **more), evidence)

    try:
        found = await resolve(domain, ctx.timeout)
    except TimeoutError:
        return result(False, "dns", "hosts.slow")
    except (OSError, ValueError):
        return result(False, "dns", "hosts.dns")
    try:
        proxy_ips = set(await resolve(proxy.host, ctx.timeout)) if proxy.host else set()
    except (TimeoutError, OSError, ValueError):
        proxy_ips = set()
    shown = ", ".join(found)
    first = first_of_family(found, proxy_ips)
    if first in proxy_ips:
        return result(True, None, "hosts.ok", found=shown)
    if proxy_ips & set(found):  # a wrong line above the right one: curl and browsers try it first
        return result(False, "hosts_mismatch", "hosts.first_wrong", found=shown, wrong=first)
    return result(False, "hosts_mismatch", "hosts.mismatch", found=shown)


def first_of_family(found: list[str], proxy_ips: set[str]) -> str | None:
    """The first of `found` in the proxy's address family (IPv4 or IPv6): the one a client tries
    first. `/etc/hosts` lines for the same name all come back, in file order."""
    families = {ipaddress.ip_address(ip).version for ip in proxy_ips}
    return next((ip for ip in found if not families or ipaddress.ip_address(ip).version in families), None)


# --- the load-balancing checks ----------------------------------------------------------------

async def sample_proxy(ctx: Context, count: int, stop_early: Callable[[Probe], bool]) -> tuple[list[Probe], bool]:
    """Up to `count` requests, one after another, through the proxy with `Host: DOMAIN`.

    Stops at the first probe for which `stop_early(probe)` is true, or when the budget is spent
    (at least one request is always sent).
    Returns the probes and whether the budget cut the sampling short.
    """
    proxy = ctx.proxy
    probes: list[Probe] = []
    deadline = time.monotonic() + ctx.budget
    for _ in range(count):
        remaining = deadline - time.monotonic()
        if probes and remaining <= 0:
            return probes, True
        wait = min(ctx.timeout, remaining) if probes else ctx.timeout  # the first one always goes
        probe = await fetch(ctx.client, proxy, wait, host_header=ctx.machines.domain)
        if probe.failure == "timeout" and wait < ctx.timeout:
            return probes, True  # the budget ran out, not the proxy's patience
        probes.append(probe)
        if stop_early(probe):
            break
    return probes, False


async def upstream_names(ctx: Context) -> dict[str, str]:
    """host:port as nginx's $upstream_addr shows it -> app role (app host names resolved)."""
    names: dict[str, str] = {}
    for app in ctx.machines.apps:
        if app.host is None:
            continue
        try:
            ips = await resolve(app.host, ctx.timeout)
        except (TimeoutError, OSError, ValueError):
            ips = []
        for ip in [app.host, *ips]:
            names[_host_port(ip, app.port)] = app.role
    return names


def _host_port(host: str, port: int) -> str:
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        return f"{host}:{port}"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def upstream_attempts(value: str) -> list[str]:
    """The servers in an $upstream_addr value, in the order nginx tried them (the last one answered)."""
    parts = value.replace(" : ", ", ").split(",")
    return [sanitize(part.strip(), 60) for part in parts if part.strip()]


def _answered_ok(probe: Probe) -> bool:
    return probe.answered and 200 <= _status(probe) < 400


async def lb_distributes(ctx: Context) -> CheckResult:
    """Through the proxy, every app answers, in the proportion of the configured weights."""
    proxy = ctx.proxy
    apps = ctx.machines.apps
    names = await upstream_names(ctx)
    count = ctx.options.samples or min(120, max(12, 30 * len(apps)))
    probes, cut = await sample_proxy(
        ctx, count, lambda p: not _answered_ok(p) or "x-upstream" not in p.headers)
    last = probes[-1]
    failed = proxy_status_result(ctx, "lb-distributes", last)
    if failed:
        return failed
    if "x-upstream" not in last.headers:
        return CheckResult("lb-distributes", False, "missing_upstream_header", ctx.say(
            "lb.no_header", label=proxy.label, name=proxy.name), last.evidence())
    given = ctx.options.weights or {}
    weights = {app.role: given.get(app.role, 1.0) for app in apps}  # an app not named weighs 1
    counts = {role: 0 for role in weights}
    unknown: dict[str, int] = {}
    for probe in probes:
        served = upstream_attempts(probe.headers["x-upstream"])[-1:]
        role = names.get(served[0]) if served else None
        if role in counts:
            counts[role] += 1
        else:
            key = served[0] if served else "?"
            unknown[key] = unknown.get(key, 0) + 1
    return judge_split(ctx, len(probes), counts, unknown, weights, cut, last)


def _tidy(message: str) -> str:
    return re.sub(r" {2,}", " ", message).strip()


def judge_split(ctx: Context, n: int, counts: dict[str, int], unknown: dict[str, int],
                weights: dict[str, float], cut: bool, last: Probe) -> CheckResult:
    """Name the split: single_backend, uneven (missing apps, strangers, or a significant deviation) or ok."""
    proxy = ctx.proxy
    labels = {app.role: app.label for app in ctx.machines.apps}
    total_weight = sum(weights.values()) or 1.0
    split = ", ".join(f"{role} {counts[role]}" for role in counts)
    split += "".join(f", {addr} {hits}" for addr, hits in unknown.items())
    expected = ", ".join(f"{role} {n * weights[role] / total_weight:.0f}" for role in counts)
    if len(set(weights.values())) == 1:
        expected = ctx.say("lb.expect_even", each=f"{n / len(weights):.0f}")
    else:
        expected = ctx.say("lb.expect_weights", expected=expected,
                           weights=", ".join(f"{role} {weight:g}" for role, weight in weights.items()))
    details = {"counts": counts, "unknown": unknown, "samples": n, "weights": weights}
    sources = [role for role, hits in counts.items() if hits] + list(unknown)
    missing = [labels.get(role, role) for role, hits in counts.items() if not hits and weights[role] > 0]
    stranger = ctx.say("lb.unknown", unknown=", ".join(unknown)) if unknown else ""
    short = ctx.say("lb.short", n=n, budget=ctx.budget) if cut else ""
    base = {"n": n, "label": proxy.label, "name": proxy.name}
    if len(sources) == 1:
        only = labels.get(sources[0], sources[0])
        message = ctx.say("lb.single", only=only, missing=join_names(missing, ctx.lang) or "-", **base)
        return CheckResult("lb-distributes", False, "single_backend", message + short, last.evidence(), details)
    if missing or unknown:
        message = ctx.say("lb.missing", split=split, missing=join_names(missing, ctx.lang), **base) \
            if missing else ctx.say("lb.uneven", split=split, expected=expected, sure="", **base)
        return CheckResult("lb-distributes", False, "uneven", _tidy(message + stranger + short),
                           last.evidence(), details)
    p = split_p_value(list(counts.values()), [weights[role] for role in counts])
    details["p_value"] = p
    values = {"pct": percent(p, ctx.lang)}
    if p < SIGNIFICANCE:
        sure = ctx.say("lb.sure_bad", **values)
        message = ctx.say("lb.uneven", split=split, expected=expected, sure=sure, **base)
        return CheckResult("lb-distributes", False, "uneven", message + short, last.evidence(), details)
    sure = ctx.say("lb.sure_ok") + (ctx.say("lb.chance_ok", **values) if p < CHANCE_ASIDE else "")
    message = ctx.say("lb.ok", split=split, expected=expected, sure=sure, **base)
    return CheckResult("lb-distributes", True, None, message + short, last.evidence(), details)


async def lb_failover(ctx: Context) -> CheckResult:
    """With one app stopped, every request through the proxy still succeeds."""
    proxy = ctx.proxy
    apps = ctx.machines.apps
    app_probes = await asyncio.gather(*(fetch(ctx.client, app, ctx.timeout) for app in apps))
    stopped = [app for app, probe in zip(apps, app_probes) if probe.failure in STOPPED_KINDS]
    for app, probe in zip(apps, app_probes):  # a name that does not resolve, a bad answer, ...
        if not probe.answered and probe.failure not in STOPPED_KINDS:
            return failure_result(ctx, "lb-failover", app, probe)  # say that, not "still answers (HTTP None)"
    if ctx.options.stopped:
        chosen = next(app for app in apps if app.role == ctx.options.stopped)
        probe = app_probes[apps.index(chosen)]
        if chosen not in stopped:
            return CheckResult("lb-failover", False, "not_stopped", ctx.say(
                "fo.still_running", label=chosen.label, status=probe.status, name=chosen.name),
                probe.evidence())
    elif not stopped:
        return CheckResult("lb-failover", False, "not_stopped", ctx.say(
            "fo.none_stopped", example=apps[-1].name), app_probes[-1].evidence())
    stopped_names = join_names([app.label for app in stopped], ctx.lang)
    count = ctx.options.failover_samples or 2 * len(apps) + 2
    probes, _ = await sample_proxy(ctx, count, lambda p: not p.answered)
    last = probes[-1]
    details = {"stopped": [app.role for app in stopped], "sent": len(probes)}
    if not last.answered:
        if last.failure == "timeout":
            return CheckResult("lb-failover", False, "timeout", ctx.say(
                "fo.timeout", label=proxy.label, timeout=ctx.timeout, stopped=stopped_names,
                name=proxy.name), last.evidence(), details)
        return failure_result(ctx, "lb-failover", proxy, last)
    bad = [p for p in probes if not 200 <= _status(p) < 400]
    statuses = ", ".join(f"{status} x{sum(_status(p) == status for p in bad)}"
                         for status in sorted({_status(p) for p in bad}))
    if len(stopped) == len(apps):
        return CheckResult("lb-failover", False, "failover_errors", ctx.say(
            "fo.all_stopped", label=proxy.label, statuses=statuses or "-"),
            (bad or probes)[0].evidence(), details)
    if bad:
        return CheckResult("lb-failover", False, "failover_errors", ctx.say(
            "fo.errors", failed=len(bad), n=len(probes), label=proxy.label, statuses=statuses,
            stopped=stopped_names, name=proxy.name), bad[0].evidence(), details)
    message, never = await _failover_ok_message(ctx, probes, stopped, stopped_names)
    details["never_tried"] = never
    return CheckResult("lb-failover", True, None, message, last.evidence(), details)


async def _failover_ok_message(ctx: Context, probes: list[Probe], stopped: list[Machine],
                               stopped_names: str) -> tuple[str, list[str]]:
    """The success message, and the stopped roles nginx never tried (with a note about them)."""
    names = await upstream_names(ctx)
    labels = {app.role: app.label for app in ctx.machines.apps}
    attempts = [upstream_attempts(p.headers["x-upstream"]) for p in probes if "x-upstream" in p.headers]
    served = sorted({names.get(tries[-1], tries[-1]) for tries in attempts if tries})
    served_text = join_names([labels.get(role, role) for role in served], ctx.lang) or ctx.say("other_apps")
    message = ctx.say("fo.ok", n=len(probes), label=ctx.proxy.label, stopped=stopped_names,
                      served=served_text)
    tried = {names.get(addr) for tries in attempts for addr in tries}
    never = [app for app in stopped if app.role not in tried] if attempts else []
    if never:
        message += ctx.say("fo.never_tried", stopped=join_names([app.label for app in never], ctx.lang))
    return message, [app.role for app in never]


CHECKS = {
    "app-running": app_running,
    "nginx-running": nginx_running,
    "proxy-pass": proxy_pass,
    "hosts-file": hosts_file,
    "lb-distributes": lb_distributes,
    "lb-failover": lb_failover,
}
