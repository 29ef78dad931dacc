"""The simulator on screen: an animated diagram of clients -> nginx -> servers with controls.

`SimPanel` embeds in any screen, `SimScreen` is the full screen of `tutor play`, `PredictPanel`
asks a predict-then-observe question.
"""

from tutor.simview.panel import SimPanel
from tutor.simview.predict import PredictPanel
from tutor.simview.screen import SimScreen

__all__ = ["PredictPanel", "SimPanel", "SimScreen"]
