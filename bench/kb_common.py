"""Shared by the knowledge-base benchmarks: a throw-away Redis, the process's memory, the sample KB."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import redis

from bench.clients import free_port
from infra.redis_server import start_redis
from infra.settings import REPO_ROOT
from kb.entry import Entry
from kb.files import read_raw_entries
from kb.validate import validate

OUT = REPO_ROOT / ".data" / "bench"


@contextlib.contextmanager
def throwaway_redis(keep_in: Path | None = None) -> Iterator[str]:
    """A redis-server as `make run` starts one (persistent), on a free port; its URL. Its data is in
    a temporary folder, or kept in `keep_in` for a later run (which then starts with it)."""
    with contextlib.nullcontext(str(keep_in)) if keep_in else tempfile.TemporaryDirectory() as data_dir:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        port = free_port()
        process = start_redis(port, Path(data_dir), timeout=600.0)  # a kept 100,000-entry KB loads for a while
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=600)  # it saves its data first: a kept 100,000-entry KB takes a while


def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process (default: this one), in MB."""
    return psutil.Process(pid).memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """This process's highest resident memory so far, in MB: Linux's VmHWM (getrusage's maxrss
    would carry over the parent's peak into a spawned process)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def sample_kb() -> list[Entry]:
    """The sample knowledge base shipped in kb/content."""
    entries, _ = validate(read_raw_entries(REPO_ROOT / "kb" / "content"))
    return entries


def wait_until(check: Callable[[], bool], timeout: float, what: str, poll: float = 0.05) -> float:
    """Seconds until `check()` held; RuntimeError after `timeout`."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"not within {timeout:.0f} s: {what}")
        time.sleep(poll)
    return time.monotonic() - start
