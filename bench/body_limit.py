"""What an unauthenticated 100 MB request body costs the server: time to the answer and the
server's resident memory before and after, for a declared length and for a chunked body.

Starts ``transdraft serve`` on a throwaway SQLite database in a separate process and sends
the bodies from this one over loopback.

    python bench/body_limit.py [--mb 100]
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _send(port: int, size: int, chunked: bool) -> tuple[int, float]:
    """Send ``size`` bytes of JSON-ish body to POST /api/jobs; (status, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as conn:
        head = ("POST /api/jobs HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                + ("Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n")
                + "\r\n")
        conn.sendall(head.encode())
        piece, sent, answer = b"x" * (1 << 20), 0, b""
        conn.settimeout(10)
        try:
            while sent < size:
                if select.select([conn], [], [], 0)[0]:  # the server answered early
                    answer = conn.recv(200)
                    break
                data = (f"{len(piece):x}\r\n".encode() + piece + b"\r\n") if chunked else piece
                conn.sendall(data)
                sent += len(piece)
            else:
                if chunked:
                    conn.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        conn.settimeout(60)
        while b"\r\n" not in answer:
            more = conn.recv(200)
            if not more:
                break
            answer += more
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    size = args.mb * 1024 * 1024
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")},
               "TRANSDRAFT_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
               "PYTHONPATH": str(REPO)}
        server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)],
                                  env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            print(f"| body ({args.mb} MB, no credentials) | status | seconds | server RSS before → after (MB) |")
            print("|---|---|---|---|")
            for label, chunked in (("declared Content-Length", False), ("chunked", True)):
                before = _rss_mb(server.pid)
                status, seconds = _send(port, size, chunked)
                after = _rss_mb(server.pid)
                print(f"| {label} | {status} | {seconds:.2f} | {before:.0f} → {after:.0f} |")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
