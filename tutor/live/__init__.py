"""Live mode: checks of the learner's real VMs over HTTP (DESIGN.md section 5).

Importing this package is cheap: httpx is imported only by the modules that send requests
(`probe`, `checks`, `runner`). The pieces:

- `catalog`: check ids, failure codes, simulator scenario per failure (no httpx); the roles and
  ports are the tutorial's (`tutor.course`).
- `hosts`: where the machines are, as typed (`--host`, `--domain`, saved machines; `HostError`).
- `multipass`: the multipass client (VM list, address choice, matching VMs to roles).
- `runner.run_checks(...)`: the async API the TUI uses; `tutor check` is tutor/cli/check.py.
- `result.CheckResult`: what a check returns; `checks.Options`: weights, samples, stopped app.
- `nginx_config.read_nginx_config(...)`: `nginx -T` on the proxy VM, only with consent.
"""
