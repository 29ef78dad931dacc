"""Whether the learner's machines are the lab's (`tutor lab`), so that texts name the lab's
commands (`sudo tutor lab start app1`) instead of the VM's (`npm start` in the dumbsound folder).

They are when the app saved them with "Use the lab" (settings `lab`), or when this process runs
inside one of a lab's machines (`sudo tutor lab shell laptop`, `tutor check --lab`): a lab's
network namespace reaches nothing but the lab.
"""

from __future__ import annotations

import os
from functools import cache

from tutor.lab.topology import ALL_ROLES
from tutor.lab.vm_tree import MARKER as MACHINE_MARKER

NETNS_DIR = "/run/netns"  # where `ip netns` keeps its named namespaces


@cache
def inside_lab() -> bool:
    """True when this process runs in a lab machine (any prefix): the machine's own /etc says so
    (tutor.lab.vm_tree), or its network namespace is one of a lab's."""
    if os.path.exists(f"/etc/{MACHINE_MARKER}"):
        return True
    try:
        mine = os.stat("/proc/self/ns/net").st_ino
        with os.scandir(NETNS_DIR) as entries:
            for entry in entries:
                prefix, _, role = entry.name.rpartition("-")
                if prefix and role in ALL_ROLES and entry.stat().st_ino == mine:
                    return True
    except OSError:
        return False
    return False


def saved_lab(settings) -> bool:
    """True when the machines saved in the app are the lab's ("Use the lab", Ctrl+N, then saved)."""
    return bool(getattr(settings, "lab", False)) and bool(getattr(settings, "hosts", None))
