"""`tutor lab`: the tutorial's machines as network namespaces with real nginx and the app (Linux, root)."""

from tutor.lab.lab import Lab, MachineStatus, require_root, require_system
from tutor.lab.errors import LabError
from tutor.lab.topology import ADDRESSES

__all__ = ["ADDRESSES", "Lab", "LabError", "MachineStatus", "require_root", "require_system"]
