"""The twin view (issue 17): the simulator's prediction next to the learner's real nginx, for the
same requests, and where they differ, why.

- `build`: the twin scenario from the real `nginx -T`, timers and measured apps; what it leaves out.
- `sender`: the real side's bounded request loop (a stand-alone script, run in the lab's laptop).
- `run`: one run (`run_twin(scenario, side)`), real side and replay.
- `compare`: lanes, per-request strips, differences with tolerance and causes.
"""
