"""One browser tab's app process: textual-serve's AppService, started without a shell and always ended."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import os
import signal
import sys

from textual_serve.app_service import AppService

QUIT_GRACE = 5.0  # seconds the app gets to quit by itself before it is terminated
TERM_GRACE = 3.0  # seconds after SIGTERM before SIGKILL
PR_SET_PDEATHSIG = 1  # linux/prctl.h
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
# (looked up here, in the server: a forked child should not load libraries)


def die_with_parent(parent: int) -> None:
    """In a just-forked child (Linux): get SIGKILL when the server dies, even by SIGKILL itself.

    The server's own stop (Ctrl+C, SIGTERM, SIGHUP) ends each app cleanly first; this is for
    when the server has no chance to. If the server is already gone, the child exits at once.
    Elsewhere (macOS, Windows) it does nothing.
    """
    if _PRCTL is None:
        return
    _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the server died before prctl took effect
        os._exit(1)


class Session(AppService):
    """The app process behind one websocket.

    Unlike textual-serve's own, it runs `argv` directly (no shell between the server and the app,
    so the pid is the app's) in a new process group with `env` added to its environment, closes
    the socket when the app exits (also when it fails to start), and `stop()` always ends that
    whole group: first the app's own quit, then SIGTERM, then SIGKILL. If the server itself is
    killed (SIGKILL leaves it no time to stop anything), the app dies with it (`die_with_parent`).
    """

    def __init__(self, argv: list[str], *, env: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = argv
        self.env = env or {}
        self._stopped = False

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return {**super()._build_environment(width=width, height=height), **self.env}

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
            preexec_fn=functools.partial(die_with_parent, os.getpid()),
        )
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        """Relay the app's output until it exits, then close the tab's socket (the page says so)."""
        await super().run()
        with contextlib.suppress(Exception):
            await self.remote_close()

    async def stop(self) -> None:
        """End the app process and everything it started; safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        process = self._process
        if process is None:
            return
        # Ask the app to quit and wait for the process itself, not for textual-serve's relay task:
        # that task also closes the tab's websocket, which can wait on an unresponsive browser.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.send_meta({"type": "quit"}), QUIT_GRACE)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(process.wait(), QUIT_GRACE)
        await self._end_group(process)

    @staticmethod
    async def _end_group(process: asyncio.subprocess.Process) -> None:
        """SIGTERM, then SIGKILL, to the app's process group (the app and anything it started).

        Only while the app is unreaped: its pid, and so the group id, cannot be reused until then.
        """
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), TERM_GRACE)
            except asyncio.TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
