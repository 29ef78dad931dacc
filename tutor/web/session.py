"""One browser tab's app process: textual-serve's AppService, started without a shell and always ended."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys

from textual_serve.app_service import AppService

QUIT_GRACE = 5.0  # seconds the app gets to quit by itself before it is terminated
TERM_GRACE = 3.0  # seconds after SIGTERM before SIGKILL
DIE_WITH_PARENT = (  # run before the app, in its process (prctl's death signal survives exec)
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    os._exit(1)  # the server died before prctl took effect\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def dying_with_server(argv: list[str]) -> list[str]:
    """`argv` so that its process gets SIGKILL when the server dies, even by SIGKILL (Linux).

    The server's own stop (Ctrl+C, SIGTERM, SIGHUP) ends each app cleanly first; this is for when
    the server has no chance to. A few lines of Python set the death signal and then become the
    app (exec: same process, same pid). Elsewhere (macOS, Windows) `argv` is returned as it is.
    """
    if not sys.platform.startswith("linux"):
        return argv
    return [sys.executable, "-c", DIE_WITH_PARENT, str(os.getpid()), *argv]


class Session(AppService):
    """The app process behind one websocket.

    Unlike textual-serve's own, it runs `argv` directly (no shell between the server and the app,
    so the pid is the app's) in a new process group with `env` added to its environment, closes
    the socket when the app exits (also when it fails to start), and `stop()` always ends that
    whole group: first the app's own quit, then SIGTERM, then SIGKILL. If the server itself is
    killed (SIGKILL leaves it no time to stop anything), the app dies with it (`dying_with_server`).
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
            *dying_with_server(self.argv),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
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
