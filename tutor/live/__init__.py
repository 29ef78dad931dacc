"""Live mode: checks of the learner's real VMs over HTTP (DESIGN.md section 5).

Importing this package is cheap: httpx is imported only by the modules that send requests
(`probe`, `checks`, `runner`). The pieces:

- `catalog`: check ids, roles, failure codes, simulator scenario per failure (no httpx).
- `hosts`: where the machines are (`--host`, `--domain`, `--multipass`).
- `runner.run_checks(...)`: the async API the TUI uses; `tutor check` is tutor/cli/check.py.
- `result.CheckResult`: what a check returns; `checks.Options`: weights, samples, stopped app.
- `sanitize.sanitize(...)`: what a server sent, made safe to show.
- `nginx_config.read_nginx_config(...)`: `nginx -T` on the proxy VM, only with consent.
"""
