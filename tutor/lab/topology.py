"""The lab's network: subnet, namespaces, prefix (DESIGN.md section 8). Pure data.

The machines, their addresses and ports are the tutorial's (tutor.course); this module adds what
only the lab has: the subnet they share, the bridge, the namespaces' prefix, extra test clients.
"""

from __future__ import annotations

import os
import re

from tutor import course
from tutor.lab.errors import LabError

SUBNET = "10.37.19.0/24"
PREFIX_LEN = 24

ADDRESSES: dict[str, str] = {course.LAPTOP: course.LAPTOP_ADDRESS, **course.EXAMPLE_ADDRESSES}
"""Role -> address on the lab's bridge: the tutorial's own (tutor.course)."""
APPS = course.APP_ROLES
APP_PORT = course.APP_PORT

# Extra client machines tests may add (another /24 on the same bridge, reached on-link).
CLIENTS = {"client2": ("10.37.20.2", "10.37.20.0/24")}

# Every role a lab namespace can have; `down` removes exactly these names for a prefix.
ALL_ROLES = (*ADDRESSES, *CLIENTS)
BRIDGE_ROLE = "net"  # the namespace that holds the bridge
LINK = "eth0"  # each machine's interface, inside its own namespace

DEFAULT_PREFIX = "tutorlab"
PREFIX_ENV = "TUTOR_LAB_PREFIX"
_PREFIX = re.compile(r"[a-z][a-z0-9]{0,15}")


def default_prefix() -> str:
    """The lab's name prefix: $TUTOR_LAB_PREFIX, else `tutorlab`."""
    return os.environ.get(PREFIX_ENV) or DEFAULT_PREFIX


def check_prefix(prefix: str) -> str:
    """The prefix, checked: a lowercase letter then up to 15 lowercase letters or digits."""
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise LabError("bad_prefix", prefix=prefix)
    return prefix


def roles_for(apps: int) -> tuple[str, ...]:
    """The machines of a lab with `apps` app machines (2 or 3)."""
    return (course.LAPTOP, course.PROXY, *APPS[:apps])
