"""Name lookups on this machine, bounded in time.

`socket.getaddrinfo` cannot be cancelled, so it runs in a daemon thread the event loop never
waits for: a hung resolver costs `timeout` seconds and nothing more, not even at exit.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading


async def resolve(name: str, timeout: float) -> list[str]:
    """The addresses `name` resolves to here, in the resolver's order, without duplicates.

    Raises socket.gaierror when it does not resolve and TimeoutError after `timeout` seconds.
    """
    try:
        return [str(ipaddress.ip_address(name))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def settle(result: object, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
            found = list(dict.fromkeys(str(ipaddress.ip_address(str(info[4][0]).split("%")[0])) for info in infos))
            outcome: tuple[list[str] | None, BaseException | None] = (found, None)
        except (OSError, ValueError) as exc:
            outcome = (None, exc)
        try:
            loop.call_soon_threadsafe(settle, *outcome)
        except RuntimeError:  # the loop has closed: nobody waits for this answer any more
            pass

    threading.Thread(target=lookup, name=f"resolve-{name}", daemon=True).start()
    async with asyncio.timeout(timeout):
        return await future
