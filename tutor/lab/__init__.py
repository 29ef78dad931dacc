"""`tutor lab`: the tutorial's machines as network namespaces with real nginx and the app (Linux, root)."""

from tutor.lab.lab import Lab, MachineStatus, require_root, require_system
from tutor.lab.topology import ADDRESSES, LabError

__all__ = ["ADDRESSES", "Lab", "LabError", "MachineStatus", "require_root", "require_system"]
