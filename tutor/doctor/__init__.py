"""`tutor doctor`: on the learner's laptop, what stands between it and the tutorial.

One module per group of probes, run in the order the tutorial needs them: `laptop` (OS, Python,
terminal, RAM, disk), `vms` (multipass, its driver, the VMs), `network` (can the laptop reach
them, and why not), `inside` (Node, nginx, the app and memory inside the VMs), `hostsfile` (the
domain in the laptop's hosts file). Each probe returns `Finding`s (finding.py); `command` runs
them within one time budget; report.py words them; tutor/cli/doctor.py is `tutor doctor`.
"""
