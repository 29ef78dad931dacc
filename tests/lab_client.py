"""A bounded request loop for the lab's laptop: request k at START + k / RATE, each on a new
connection (as `curl` in a loop), without waiting for earlier answers.

    python tests/lab_client.py ADDRESS HOST START RATE COUNT TIMEOUT

Prints nothing; nginx's access log is the record. Every request gives up after TIMEOUT seconds.
"""

from __future__ import annotations

import socket
import sys
import threading
import time


def fetch(address: str, host: str, timeout: float) -> None:
    try:
        with socket.create_connection((address, 80), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            while sock.recv(65536):
                pass
    except OSError:
        pass


def main() -> None:
    address, host = sys.argv[1], sys.argv[2]
    start, rate, count, timeout = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    threads = []
    for k in range(1, count + 1):
        time.sleep(max(0.0, start + k / rate - time.time()))
        thread = threading.Thread(target=fetch, args=(address, host, timeout))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
