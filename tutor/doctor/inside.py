"""Probes inside the VMs, through `multipass exec NAME -- sh -c SCRIPT` (bounded): Node's version
against react-scripts 3.4.1, the app answering on 3000, nginx on the proxy, and memory.

One exec per VM runs SCRIPT, which prints `key=value` lines; anything else it prints is ignored.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from tutor.doctor.finding import EXEC_TIMEOUT, Context, Finding
from tutor.doctor.vms import Seen
from tutor.live import multipass
from tutor.sanitize import sanitize

GROUP = "inside"
SCRIPT = "; ".join([
    'echo "node=$( ( . "$HOME/.nvm/nvm.sh" >/dev/null 2>&1; node --version ) 2>/dev/null | head -n 1)"',
    "echo \"mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)\"",
    'echo "nginx=$(command -v nginx >/dev/null 2>&1 && echo installed || echo missing)"',
    'echo "nginx_active=$(systemctl is-active nginx 2>/dev/null | head -n 1)"',
    "echo \"app=$(curl -s -o /dev/null -m 2 -w '%{http_code}' http://127.0.0.1:3000/ 2>/dev/null)\"",
])
"""Node through nvm when the lesson installed it that way (nvm lives in ~/.bashrc, which exec
does not read), else from PATH; curl waits 2 s (the dev server holds requests while compiling)."""
KEYS = ("node", "mem_kb", "nginx", "nginx_active", "app")
NODE_OPENSSL = 17
"""From Node 17 on (OpenSSL 3), react-scripts 3.4.1's webpack 4 crashes `npm start` with
ERR_OSSL_EVP_UNSUPPORTED (review D06, reproduced with Node 20.20.2)."""
LOW_MEMORY_KB = 1_500 * 1024
"""Below about 1.5 GB, `npm install` of the app (peaks near 1 GB) may be killed."""
_NODE = re.compile(r"^v?(\d{1,3})\.\d+")


def probe(ctx: Context, seen: Seen) -> list[Finding]:
    """Every running VM's findings; the VMs are looked into side by side (each exec is bounded)."""
    running = [(role, vm) for role, vm in seen.roles.items() if vm.running]
    with ThreadPoolExecutor(max_workers=max(len(running), 1)) as pool:
        answers = list(pool.map(lambda pair: _look_inside(ctx, pair[1].name), running))
    found: list[Finding] = []
    for (role, vm), answer in zip(running, answers):
        facts = parse_facts(answer.out) if answer.ok else {}
        if not facts:
            why = "timeout" if answer.problem == "timeout" else (answer.reason or answer.out[:120] or "-")
            found.append(ctx.finding("vm_exec_failed", "warning", GROUP, {"vm": vm.name, "exit": answer.code,
                                                                          "problem": answer.problem, "why": why},
                                     vm=vm.name, why=sanitize(why, 160, markup=False)))
            continue
        found.extend(proxy_findings(ctx, vm.name, facts) if role == "proxy" else app_findings(ctx, vm.name, facts))
    return found


def _look_inside(ctx: Context, name: str) -> multipass.Answer:
    return ctx.multipass(["exec", name, "--", "sh", "-c", SCRIPT], EXEC_TIMEOUT)


def parse_facts(text: str) -> dict[str, str]:
    """The `key=value` lines of SCRIPT's output (known keys only, values bounded and cleaned)."""
    facts: dict[str, str] = {}
    for line in text.splitlines()[:50]:
        key, sep, value = line.partition("=")
        if sep and key in KEYS and key not in facts:
            facts[key] = sanitize(value.strip(), 60, markup=False)
    return facts


def app_findings(ctx: Context, name: str, facts: dict[str, str]) -> list[Finding]:
    found = [node_finding(ctx, name, facts.get("node", ""))]
    memory = memory_finding(ctx, name, facts.get("mem_kb", ""))
    if memory:
        found.append(memory)
    status = facts.get("app", "")
    evidence = {"vm": name, "http_status": status or None}
    if status[:1] in ("2", "3") and status.isdigit():
        found.append(ctx.finding("app_answering", "ok", GROUP, evidence, vm=name, status=status))
    else:
        found.append(ctx.finding("app_not_answering", "info", GROUP, evidence, vm=name))
    return found


def node_finding(ctx: Context, name: str, version: str) -> Finding:
    match = _NODE.match(version)
    evidence = {"vm": name, "node": version or None}
    if not match:
        return ctx.finding("node_missing", "info", GROUP, evidence, vm=name)
    if int(match.group(1)) >= NODE_OPENSSL:
        return ctx.finding("node_openssl", "blocker", GROUP, evidence, vm=name, version=version)
    return ctx.finding("node_ok", "ok", GROUP, evidence, vm=name, version=version)


def memory_finding(ctx: Context, name: str, mem_kb: str) -> Finding | None:
    if not mem_kb.isdigit() or len(mem_kb) > 12:
        return None
    kib = int(mem_kb)
    evidence = {"vm": name, "mem_total_mib": kib // 1024}
    if kib < LOW_MEMORY_KB:
        return ctx.finding("vm_low_memory", "warning", GROUP, evidence, vm=name, mib=kib // 1024)
    return None


def proxy_findings(ctx: Context, name: str, facts: dict[str, str]) -> list[Finding]:
    evidence = {"vm": name, "nginx": facts.get("nginx"), "active": facts.get("nginx_active")}
    if facts.get("nginx") != "installed":
        return [ctx.finding("nginx_missing", "info", GROUP, evidence, vm=name)]
    if facts.get("nginx_active") != "active":
        return [ctx.finding("nginx_inactive", "warning", GROUP, evidence, vm=name,
                            state=facts.get("nginx_active") or "?")]
    return [ctx.finding("nginx_ok", "ok", GROUP, evidence, vm=name)]
