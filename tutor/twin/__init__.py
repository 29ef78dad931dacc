"""The twin view (issue 17): the simulator's prediction next to the learner's real nginx, for the
same requests, and where they differ, why.

- `build`: the twin scenario from the real `nginx -T`, timers and measured apps; what it leaves out.
- `sender`: the real side's bounded request loop (a stand-alone script, run in the lab's laptop).
- `run`: one run (`run_twin(scenario, side)`), real side and replay.
- `compare`: lanes, per-request strips, differences with tolerance and causes.
- `hosts`: the real side on the learner's VMs (events told, their moments found in the answers).
- `report`: the report for people; `screen`: the live Textual screen; the command `tutor twin` is tutor/cli/twin.py.

`tutor twin SCENARIO --lab --json` prints one object:

    {"scenario": "lb-one-dies", "side": "lab" | "hosts",
     "config": {"where": "FILE:LINE", "upstream": NAME | null, "policy": "round_robin", "workers": 1,
                "servers": [{"name", "address", "weight"}], "connect_timeout": s, "timers": {...}},
     "plan": {"requests": N planned, "duration": s, "max_rate": 20, "probes": N, "wanted": N},
     "sender": {"sent": N, "late": N (> 50 ms behind), "max_late": s, "stopped": bool},
     "service": {server: s measured before the run},
     "lanes": {"predicted" | "measured": {"requests": N,
               "servers": {server: {"answered", "p50", "p95", "longest"}},
               "status": {"ok", "502", "504", "other", "none"}, "longest": s, "p95": s,
               "strip": "1212x..."  (1.. = the app that answered, x 502, t 504, e other, . none)}},
     "requests": [{"t": s, "predicted" | "measured": {"server", "status", "latency", "tried"}}],
     "events": [{"planned": s, "at": s (done; on VMs: seen in the answers), "server", "action",
                 "machine"} + on VMs {"told": s, "assumed": bool}],
     "differences": [{"kind": answered | 502 | 504 | none | p95 | longest | order, "server",
                      "predicted", "measured", "cause": stopped | other_traffic | arp | arp_default | compile | workers
                      | elsewhere_guess | late | not_modelled | unknown, ...its values, "text"}],
     "tolerance": {"count_fraction": 0.1, "count_min": 2, "time_fraction": 0.2, "time_min": 0.1},
     "evidence": {"other_clients": N, "other_addresses": [...], "apps_down": [...]},
     "left_out": [{"code", ...values, "text"}],
     "ready_after": s from the last answer to both lanes ready}
"""
