"""Redis Sentinel for tests: a master, a replica and a sentinel, real redis-server processes.

Debian's redis-server runs as a sentinel with `--sentinel`. The sentinel declares a master down
after DOWN_AFTER_MS without an answer (production keeps Redis's 30 s default or so), and, being
the only sentinel, is the quorum and elects itself: a failover takes 2-3 s here. A test decides
how long the window lasts: `kill_master` keeps the sentinel from acting until `fail_over`, so what
a test does in between certainly meets a Redis without a master.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from bench.clients import free_port
from infra.redis_server import redis_command, redis_server_binary
from tests.support import wait_for

SERVICE = "support"
DOWN_AFTER_MS = 1000
HOLD_OFF_MS = 600_000


class SentinelCluster:
    """Two redis-servers (one master, one replica) and a sentinel on free localhost ports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ports = [free_port(), free_port()]
        self.sentinel_port = free_port()
        self.processes: dict[int, subprocess.Popen] = {}
        self.sentinel: subprocess.Popen | None = None
        self.killed_at = 0.0

    def url(self, db: int = 0) -> str:
        return f"redis+sentinel://127.0.0.1:{self.sentinel_port}/{SERVICE}/{db}"

    def start(self) -> None:
        """Start the master, its replica and the sentinel; return once the sentinel knows both."""
        first, second = self.ports
        self._server(first)
        self._server(second, "--replicaof", "127.0.0.1", str(first))
        # The sentinel learns the replicas from the master's INFO, at once when it starts and
        # then every 10 s: it starts once the replica is there.
        wait_for(lambda: _in_sync(first), "the replica in sync", timeout=30, every=0.1)
        config = self.root / "sentinel.conf"  # the sentinel rewrites it: a file of its own
        config.write_text(
            f"port {self.sentinel_port}\nbind 127.0.0.1\ndir {self.root}\n"
            f"logfile {self.root / 'sentinel.log'}\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {first} 1\n"
            f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {SERVICE} 5000\n"
        )
        self.sentinel = subprocess.Popen([redis_server_binary(), str(config), "--sentinel"], stdout=subprocess.DEVNULL)
        self.wait_until_replicated()

    def _server(self, port: int, *extra: str) -> None:
        command = redis_command(port, self.root / str(port), logfile=str(self.root / f"{port}.log"), fsync="always")
        # Diskless sync, at once: a (re)joining replica is in sync in milliseconds, not after 5 s.
        command += ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0", *extra]
        self.processes[port] = subprocess.Popen(command, stdout=subprocess.DEVNULL)

    def master_port(self) -> int:
        """The master's port, as the sentinel names it."""
        sentinel = redis.Redis(port=self.sentinel_port, socket_timeout=1, decode_responses=True)
        return int(sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE)[1])

    def wait_until_replicated(self) -> None:
        """Until the master has a replica in sync that the sentinel knows of and sees up."""
        def ready() -> bool:
            try:
                sentinel = redis.Redis(port=self.sentinel_port, socket_timeout=1, decode_responses=True)
                known = sentinel.execute_command("SENTINEL", "REPLICAS", SERVICE)
                return _in_sync(self.master_port()) and any("s_down" not in _fields(r)["flags"] for r in known)
            except redis.RedisError:
                return False
        wait_for(ready, "the master replicated and known to the sentinel", timeout=30, every=0.1)

    def kill_master(self) -> int:
        """`kill -9` the master, the sentinel holding off the failover until `fail_over`; returns its port."""
        self._down_after(HOLD_OFF_MS)
        port = self.master_port()
        self.killed_at = time.monotonic()
        os.kill(self.processes[port].pid, signal.SIGKILL)
        self.processes[port].wait()
        return port

    def fail_over(self, killed: int) -> None:
        """`promote`, then `rejoin` the killed server: ready for the next failover."""
        self.promote(killed)
        self.rejoin(killed)

    def promote(self, killed: int) -> None:
        """Let the sentinel fail over and wait until it names another master."""
        # Down for at least this long already: the failover starts at once. Not shorter than the
        # window: a sentinel skips a replica cut off from its master for over 10 down-after times.
        self._down_after(max(DOWN_AFTER_MS, int((time.monotonic() - self.killed_at) * 1000)))

        def promoted() -> bool:
            try:
                return self.master_port() != killed
            except redis.RedisError:
                return False
        wait_for(promoted, "the sentinel promoted the replica", timeout=30, every=0.1)

    def rejoin(self, killed: int) -> None:
        """Restart the killed server as a replica of the new master; wait until it is in sync."""
        # Named a replica at once (the sentinel would convert it too, but only at its next INFO, 10 s).
        self._server(killed, "--replicaof", "127.0.0.1", str(self.master_port()))
        self.wait_until_replicated()

    def _down_after(self, milliseconds: int) -> None:
        sentinel = redis.Redis(port=self.sentinel_port, socket_timeout=1)
        sentinel.execute_command("SENTINEL", "SET", SERVICE, "down-after-milliseconds", milliseconds)

    def stop(self) -> None:
        running = [*self.processes.values(), *([self.sentinel] if self.sentinel else [])]
        for process in running:
            process.kill()  # test data only (SIGTERM would wait up to 10 s for lagging replicas)
        for process in running:
            process.wait(timeout=10)


@contextmanager
def running_cluster(root: Path) -> Iterator[SentinelCluster]:
    """A started cluster in `root`, stopped on leaving."""
    cluster = SentinelCluster(root)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def _in_sync(port: int) -> bool:
    """Whether the server on `port` has a replica online."""
    try:
        info = redis.Redis(port=port, socket_timeout=1).info("replication")
    except redis.RedisError:
        return False
    return "online" in str(info.get("slave0"))


def _fields(reply: list | dict) -> dict:
    """SENTINEL REPLICAS gives flat name/value lists (RESP2) or maps."""
    return reply if isinstance(reply, dict) else dict(zip(reply[::2], reply[1::2], strict=True))
