"""`streamlit run server.py` (app.py's pages behind the teacher's door) as a child process on a free port, as
`make run` serves it: for the benchmark, the load test, the browser tests and the README's screenshots."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from mnist_demo.paths import ROOT


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether the Streamlit server at `url` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


class AppServer:
    """The app (or another `script`) in its own process group; `options` are extra `streamlit run` flags, `log` takes
    its output, `address` the loopback address it listens on (127.0.0.1; 127.0.1.1 where a test opens it by the
    machine's name, which Debian maps there).

    Returns once the server is healthy (`ready_s` says after how long); raises RuntimeError, with the end of the log,
    if it exits or is not healthy within `timeout` seconds. A context manager: leaving it stops the server."""

    def __init__(self, env: dict[str, str] | None = None, options: Sequence[str] = (), log: Path | None = None,
                 timeout: float = 120.0, script: str | os.PathLike = "server.py", address: str = "127.0.0.1") -> None:
        self.port = free_port(address)
        self.url = f"http://{address}:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                   "--server.port", str(self.port), "--server.address", address,
                   "--browser.gatherUsageStats", "false", *options]
        self.command = " ".join(command[1:])
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with open(log or os.devnull, "wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        while not healthy(self.url):
            if self.process.poll() is not None or time.monotonic() - started > timeout:
                why = (f"exited with {self.process.returncode}" if self.process.poll() is not None
                       else f"not healthy after {timeout:.0f} s")
                self.stop()
                tail = log.read_text(errors="replace")[-3000:] if log is not None else ""
                raise RuntimeError(f"streamlit {why}:\n{tail}")
            time.sleep(0.05)
        self.ready_s = time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> AppServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
