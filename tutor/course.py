"""The tutorial's facts, in one place: its machines, their roles and ports, its example addresses
and its domain (the original tutorial: /work/shared/seed/README.md).

Read by the lessons (`{app1_ip}` examples), the lab (the machines' addresses), the live checks
(roles, default ports, the domain) and the machines screen. The simulator's demo
(assets/scenarios/default-demo.toml, servers from sim/scenario.py: `sim` never imports `tutor`)
states the same addresses; tests/test_course.py fails when they drift apart. Pure data.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

PROXY = "proxy"
"""The nginx machine (reverse proxy, load balancer)."""
APP_ROLES: tuple[str, ...] = ("app1", "app2", "app3")
"""The machines that run the Node app (`npm start`), in the tutorial's order."""
LAPTOP = "laptop"
"""The learner's own computer (a machine of the lab; no role for live checks)."""

PROXY_PORT = 80
APP_PORT = 3000

ROLES: Mapping[str, int] = MappingProxyType({PROXY: PROXY_PORT, **{role: APP_PORT for role in APP_ROLES}})
"""Machine role -> the port its service listens on: the proxy, then the apps."""

EXAMPLE_ADDRESSES: Mapping[str, str] = MappingProxyType({
    PROXY: "10.37.19.64",
    "app1": "10.37.19.46",
    "app2": "10.37.19.182",
    "app3": "10.37.19.48",  # not in the tutorial (it has two apps): the address lessons and scenarios give app3
})
"""Role -> the tutorial's address of that machine: examples in lessons, the lab's addresses."""
LAPTOP_ADDRESS = "10.37.19.1"
"""The laptop's address on the tutorial's network (the lab's bridge side)."""

DEFAULT_DOMAIN = "hasil.xyz"
"""The tutorial's domain, tested until the learner sets their own."""

