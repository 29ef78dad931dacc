"""Optional access to the simulator view (`tutor.simview`), which is built separately.

The lesson screen works without it: `simview_class(name)` returns None when the module or the
class is not there (or fails to import), so a step still opens and says the simulator is missing.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any


def simview_class(name: str) -> Any | None:
    """`tutor.simview.<name>` (SimPanel, PredictPanel, SimScreen) or None when unavailable."""
    try:
        if importlib.util.find_spec("tutor.simview") is None:
            return None
        module = importlib.import_module("tutor.simview")
    except Exception:  # a half-built or broken simulator view must not break the lessons
        return None
    return getattr(module, name, None)
