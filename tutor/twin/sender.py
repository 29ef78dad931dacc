"""The twin's real side: send a planned list of requests to the proxy and print one JSON line each.

Run as a script (in the lab: inside the laptop's namespace via `Lab.command`), with the plan as one
JSON object on stdin:

    {"address": "10.37.19.64", "port": 80, "host": "10.37.19.64", "start_delay": 0.5,
     "times": [0.08, 0.31, ...], "timeout": 30, "max_rate": 20, "max_requests": 400,
     "probes": [["10.37.19.46", 3000], ...]}

First each probe address gets PROBES sequential requests (the apps' own answer time, before
the start); then it prints {"start": EPOCH} (`start_delay` seconds ahead) and request k goes out
at `start + times[k]` on a new connection (as `curl` in a loop),
without waiting for earlier answers, at most MAX_IN_FLIGHT at once. Output, one line per request:

    {"i": k, "t": sent (s after start), "late": s behind schedule, "status": 200 | 0,
     "latency": s, "served_by": X-Served-By, "upstream": X-Upstream, "page": "served by" name,
     "error": "" | "refused" | "timeout" | ...}

and for each probe {"probe": "ADDR:PORT", "latency": s, "status": N}. The plan is refused (exit 2)
when it would send more than `max_requests` or faster than `max_rate` in any second. SIGTERM (the
stop key) ends the sending at once; requests on their way finish or time out. Standard library
only, so it starts fast in any namespace.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import sys
import threading
import time

MAX_IN_FLIGHT = 64
PROBES = 3
MAX_ANSWER = 256 * 1024
_SERVED = re.compile(rb"served by ([A-Za-z0-9._-]{1,64})")
_lock = threading.Lock()
_stop = threading.Event()


def emit(line: dict) -> None:
    with _lock:
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()


def fetch(address: str, port: int, host: str, timeout: float) -> dict:
    """One GET on a new connection: status, answer time, the headers that name the app."""
    began = time.time()
    out = {"status": 0, "served_by": "", "upstream": "", "page": "", "error": ""}
    data = b""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.settimeout(max(0.01, timeout - (time.time() - began)))
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tutor-twin\r\n"
                         f"Connection: close\r\n\r\n".encode())
            while len(data) < MAX_ANSWER:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except TimeoutError:
        out["error"] = "timeout"
    except ConnectionRefusedError:
        out["error"] = "refused"
    except ConnectionResetError:
        out["error"] = "reset"
    except OSError as exc:
        out["error"] = (exc.strerror or type(exc).__name__)[:60]
    out["latency"] = round(time.time() - began, 4)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ") if lines and lines[0] else []
    if len(parts) >= 2 and parts[1].isdigit() and len(parts[1]) == 3:
        out["status"] = int(parts[1])
        out["error"] = "" if out["error"] == "timeout" and body else out["error"]
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        key = {b"x-served-by": "served_by", b"x-upstream": "upstream"}.get(name.strip().lower())
        if key:
            out[key] = value.strip()[:200].decode("ascii", "replace")
    found = _SERVED.search(body)
    if found:
        out["page"] = found.group(1).decode("ascii")
    return out


def busiest_second(times: list[float]) -> int:
    """The most requests `times` (sorted) puts in any one-second window."""
    most, left = 0, 0
    for right, t in enumerate(times):
        while t - times[left] >= 1.0 - 1e-6:   # as tutor.twin.build.thin: exactly 1 s apart = two seconds
            left += 1
        most = max(most, right - left + 1)
    return most


def run(plan: dict) -> int:
    times = sorted(float(t) for t in plan["times"])
    if len(times) > int(plan["max_requests"]) or busiest_second(times) > int(plan["max_rate"]):
        print("the plan sends more than it may", file=sys.stderr)
        return 2
    address, port, host = str(plan["address"]), int(plan["port"]), str(plan["host"])
    timeout = float(plan["timeout"])
    for probe_address, probe_port in plan.get("probes", []):
        for _ in range(PROBES):
            if _stop.is_set():
                break
            answer = fetch(str(probe_address), int(probe_port), str(probe_address), 2.0)
            emit({"probe": f"{probe_address}:{probe_port}", "latency": answer["latency"],
                  "status": answer["status"]})
    start = time.time() + float(plan["start_delay"])
    emit({"start": start})
    slots = threading.Semaphore(MAX_IN_FLIGHT)
    threads = []

    def one(k: int, scheduled: float) -> None:
        try:
            sent = time.time()
            answer = fetch(address, port, host, timeout)
            emit({"i": k, "t": round(sent - start, 4), "late": round(max(0.0, sent - scheduled), 4), **answer})
        finally:
            slots.release()

    for k, at in enumerate(times):
        scheduled = start + at
        if _stop.wait(max(0.0, scheduled - time.time())):
            break
        slots.acquire()
        thread = threading.Thread(target=one, args=(k, scheduled), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout + 5)
    return 0


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: _stop.set())
    try:
        plan = json.loads(sys.stdin.readline(1_000_000))
        return run(plan)
    except (ValueError, KeyError, TypeError) as exc:
        print(f"bad plan: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
