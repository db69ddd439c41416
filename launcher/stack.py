"""Starts the whole stack (Redis, Rasa, action server, desk) under supervisord; Ctrl-C stops it.

`make run` calls `python -m launcher.stack`; the end-to-end tests use the same class, so
what they test is what a user runs. Each service is a supervisord program (launcher.supervisor):
one that dies is restarted with backoff while the others go on.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infra.redis_client import connect
from infra.redis_server import ensure_port_free, redis_command, wait_for_redis
from infra.settings import REPO_ROOT, Settings, load_settings, metrics_token, rasa_token
from launcher.nginx import Balanced, free_port, nginx_command, write_nginx_config
from launcher.supervisor import Program, Supervisor, die_with_parent

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
APP_PYTHON = Path(sys.executable)
MODEL_PATH = REPO_ROOT / "models" / "current.tar.gz"
SAMPLE_KB = REPO_ROOT / "kb" / "content"


# The processes that hold the KB's index answer from many threads, and glibc gives each thread
# an arena of its own that keeps what it freed. Measured (bench-kb, 100,000 entries, 20 sessions
# in one replica, 2026-11-30): that replica grew from 1,454 to 1,653 MB over the run with glibc's
# default (8 arenas a core), from 1,477 to 1,539 MB with 2. Set unless the environment sets it.
KB_MEMORY = {"MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}


def service_env(settings: Settings) -> dict[str, str]:
    """The environment every server gets: all settings (REDIS_URL among them, which
    endpoints.yml passes to Rasa's stores), and the token (generated if unset) so all agree on it.

    Secrets travel only here (never on a command line, where `ps` shows them).
    """
    return {
        **os.environ,
        **settings.as_env(),
        "RASA_TOKEN": rasa_token(settings),
        "METRICS_TOKEN": metrics_token(settings),
        "PYTHONPATH": str(REPO_ROOT),
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": str(settings.torch_threads),
        "RASA_TELEMETRY_ENABLED": "false",
    }


def rasa_command(port: int, model: Path = MODEL_PATH) -> list[str]:
    """The Rasa server with the REST and socket.io channels and a token-guarded HTTP API.

    No --auth-token: rasa_ext.server takes the token from RASA_TOKEN in the environment.
    """
    return [
        str(RASA_PYTHON), "-m", "rasa_ext.server", "run", "--model", str(model),
        "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        "--port", str(port), "--enable-api", "--cors", "*",
    ]


@dataclass(frozen=True)
class Layout:
    """Which processes serve Rasa, the actions and the desk: one each on the settings' ports, or
    (REPLICAS=N, N > 1) N each on free ports, behind nginx on the settings' ports."""

    services: tuple[Balanced, ...]

    @classmethod
    def of(cls, settings: Settings) -> Layout:
        ports = {"rasa": settings.rasa_port, "actions": settings.action_port, "desk": settings.desk_port}
        if settings.replicas == 1:
            return cls(tuple(Balanced(name, port, (port,)) for name, port in ports.items()))
        return cls(tuple(Balanced(name, port, tuple(free_port() for _ in range(settings.replicas)))
                         for name, port in ports.items()))

    @property
    def balanced(self) -> bool:
        return len(self.services[0].replicas) > 1

    def names(self, service: str) -> list[str]:
        """The supervisord programs of a service: `rasa`, or `rasa-1`, `rasa-2`... behind nginx."""
        count = len(self.service(service).replicas)
        return [service] if count == 1 else [f"{service}-{i}" for i in range(1, count + 1)]

    def service(self, name: str) -> Balanced:
        return next(service for service in self.services if service.name == name)

    def port(self, program: str) -> int:
        """The port a program (`rasa`, `actions-2`...) listens on itself."""
        service, _, index = program.partition("-")
        return self.service(service).replicas[int(index or 1) - 1]


def programs(settings: Settings, logs: Path, layout: Layout) -> list[Program]:
    """The supervised services, in start order (stopped in reverse: nginx first, Redis last)."""
    services = []
    if not settings.redis_url:
        # Every write on disk before it is acknowledged: a killed Redis loses nothing a customer wrote.
        command = redis_command(settings.local_redis_port, settings.data_dir / "redis", logfile="", fsync="always")
        services.append(Program("redis", command, logs / "redis.log", start_seconds=2))
    # Each replica gets its own port; Rasa's replicas reach the actions through nginx (endpoints.yml).
    services += [Program(name, rasa_command(layout.port(name)), logs / f"{name}.log") for name in layout.names("rasa")]
    # The rasa-sdk action server (KB retrieval) on settings.action_port.
    services += [Program(name, [str(APP_PYTHON), "-m", "actions.server"], logs / f"{name}.log",
                         env=KB_MEMORY | ({"ACTION_PORT": str(layout.port(name))} if layout.balanced else {}))
                 for name in layout.names("actions")]
    # The web app: agent desk, widget files, demo store page.
    services += [Program(name, [str(APP_PYTHON), "-m", "desk.server"], logs / f"{name}.log",
                         env=KB_MEMORY | ({"DESK_PORT": str(layout.port(name))} if layout.balanced else {}))
                 for name in layout.names("desk")]
    if layout.balanced:
        config = write_nginx_config(settings.data_dir / "nginx", logs, list(layout.services))
        services.append(Program("nginx", nginx_command(config), logs / "nginx.out.log", start_seconds=1))
    return services


def import_sample_kb_if_empty(settings: Settings) -> str:
    """Load kb/content into an empty store; a store with entries is left as its owners edited it."""
    from kb.files import read_raw_entries
    from kb.store import KBStore
    from kb.validate import validate

    store = KBStore(connect(settings.redis))
    if store.count():
        return f"knowledge base: {store.count()} entries already in Redis (kept)"
    entries, problems = validate(read_raw_entries(SAMPLE_KB))
    if problems:
        raise RuntimeError("sample KB invalid:\n" + "\n".join(map(str, problems)))
    store.save(entries)
    return f"knowledge base: imported {len(entries)} sample entries from {SAMPLE_KB}"


class Stack:
    """Redis (unless REDIS_URL is set), Rasa, the action server and the desk, under one supervisord."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.logs = settings.data_dir / "logs"
        self.supervisor = Supervisor(settings.data_dir / "supervisor", self.logs, REPO_ROOT)
        self.layout = Layout.of(settings)

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.settings.rasa_port}"

    @property
    def desk_url(self) -> str:
        return f"http://localhost:{self.settings.desk_port}"

    def start(self) -> list[str]:
        """Start everything in order and wait until it answers; returns what was done, for printing."""
        notes = []
        local_redis = not self.settings.redis_url
        if local_redis:
            ensure_port_free(self.settings.local_redis_port)
        self.supervisor.start(programs(self.settings, self.logs, self.layout), service_env(self.settings))
        if local_redis:
            self.supervisor.start_program("redis")
            wait_for_redis(self.settings.local_redis_port, lambda: self._fatal("redis"))
        notes.append(import_sample_kb_if_empty(self.settings))
        if self.layout.balanced:  # first, so each replica is reachable as soon as it is up
            self.supervisor.start_program("nginx")
        for name in self.layout.names("rasa"):  # all at once: each takes a while to load the model
            self.supervisor.start_program(name)
        self.start_actions()
        for name in self.layout.names("desk"):
            self.supervisor.start_program(name)
        for name in self.layout.names("desk"):
            self.wait_until_up(name, f"{self.url(name)}/health")
        for name in self.layout.names("rasa"):
            # Replicas load their models side by side: each start takes about as much longer.
            self.wait_until_up(name, f"{self.url(name)}/", timeout=300.0 * self.settings.replicas)
        if self.layout.balanced:
            for url in (f"{self.rasa_url}/", f"http://localhost:{self.settings.action_port}/health",
                        f"{self.desk_url}/health"):
                self.wait_until_up("nginx", url)
            notes.append("replicas behind nginx (each also on its own port): " + ", ".join(
                f"{name} {self.layout.port(name)}" for service in self.layout.services
                for name in self.layout.names(service.name)))
        return notes

    def url(self, program: str) -> str:
        """Where one replica (`rasa-2`) or the only process (`rasa`) listens itself."""
        return f"http://localhost:{self.layout.port(program)}"

    def start_actions(self) -> None:
        """Start the action server(s) and wait for their health checks."""
        for name in self.layout.names("actions"):
            self.supervisor.start_program(name)
        for name in self.layout.names("actions"):
            self.wait_until_up(name, f"{self.url(name)}/health")

    def stop_actions(self) -> None:
        """Stop only the action server(s) (to show what a customer sees during an outage)."""
        for name in self.layout.names("actions"):
            self.supervisor.stop_program(name)

    def stop(self) -> None:
        """Stop everything that was started, servers first, and supervisord with them."""
        if self.layout.balanced and self.supervisor.running():
            # Each service's replicas side by side, in reverse start order (minutes saved under load).
            for names in (["nginx"], *(self.layout.names(service) for service in ("desk", "actions", "rasa"))):
                self.supervisor.stop_programs(names)
        self.supervisor.shutdown()

    def pid(self, name: str) -> int:
        """The running process of a service (0 while it is down)."""
        return int(self.supervisor.info(name)["pid"])

    def _fatal(self, name: str) -> str | None:
        """Why to stop waiting for `name`: supervisord gave up on it (FATAL), or is gone itself."""
        if not self.supervisor.running():
            return f"supervisord stopped; see {self.logs}/supervisord.log"
        if self.supervisor.info(name)["statename"] == "FATAL":
            return f"{name} keeps failing to start (FATAL); see {self.logs}/{name}.log"
        return None

    def wait_until_up(self, name: str, url: str, timeout: float = 300.0) -> None:
        """Poll `url` until it answers 200; fail early if supervisord gives up on `name`."""
        wait_until_answers(url, lambda: self._fatal(name), timeout, f"{self.logs}/{name}.log")


def wait_until_answers(url: str, problem: Callable[[], str | None], timeout: float, log: str) -> None:
    """Poll `url` until it answers 200; raise at once when `problem()` says why it never will."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reason = problem()
        if reason:
            raise RuntimeError(f"{url}: {reason}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s; see {log}")


class Watch:
    """What `make run` tells about the services while it runs: restarts and services given up on."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self.pids: dict[str, int] = {}
        self.fatal: set[str] = set()

    def check(self) -> list[str]:
        """News since the last check, one line each."""
        news = []
        for info in self.supervisor.all_info():
            name, pid, state, log = info["name"], info["pid"], info["statename"], info["stdout_logfile"]
            if pid and self.pids.get(name, pid) != pid:
                news.append(f"{name} was restarted by supervisord (pid {self.pids[name]} -> {pid}); see {log}")
            if pid:
                self.pids[name] = pid
            if state == "FATAL" and name not in self.fatal:
                news.append(
                    f"{name} keeps failing and is FATAL (given up after repeated tries); see {log}, "
                    f"then: .venv/bin/supervisorctl -c {self.supervisor.config} start {name}"
                )
            if state == "FATAL":
                self.fatal.add(name)
            else:
                self.fatal.discard(name)
        return news


def main() -> None:
    """Start everything, print where it listens, report restarts, and wait for Ctrl-C or SIGTERM."""
    settings = load_settings()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Ctrl-C stops it even when started in the background of a script, where SIGINT starts ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    die_with_parent()  # `kill` of `make` itself stops the stack too
    running = Stack(settings)
    try:
        for note in running.start():
            print(note, flush=True)
        token_source = "RASA_TOKEN" if settings.rasa_token else settings.data_dir / "rasa_token"
        print(
            "\nThe support assistant is running:\n"
            f"  Redis           {settings.redis.url}\n"
            f"  Rasa REST       {running.rasa_url}/webhooks/rest/webhook\n"
            f"  Rasa socket.io  {running.rasa_url}/socket.io\n"
            f"  Rasa HTTP API   {running.rasa_url}/ (token: {token_source})\n"
            f"  Action server   http://localhost:{settings.action_port}/webhook\n"
            f"  Demo store page {running.desk_url}/demo  (the chat widget)\n"
            f"  Agent desk      {running.desk_url}/desk"
            "  (users: .venv/bin/python -m desk.users create NAME --role agent)\n"
            f"  KB editor       {running.desk_url}/desk/kb  (for --role content_owner or admin)\n"
            f"  Notices         {running.desk_url}/desk/notices"
            "  (bad news told to customers; supervisors, content owners)\n"
            f"  Report          {running.desk_url}/desk/feedback  (ratings and waits; supervisors, content owners)\n"
            f"  Metrics         {running.rasa_url}/metrics, http://localhost:{settings.action_port}/metrics, "
            f"{running.desk_url}/metrics  (Prometheus; bearer token: "
            f"{'METRICS_TOKEN' if settings.metrics_token else settings.data_dir / 'metrics_token'})\n"
            f"  Logs            {running.logs}/\n"
            f"  Services        .venv/bin/supervisorctl -c {running.supervisor.config} status\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        watch = Watch(running.supervisor)
        while running.supervisor.running():
            for line in watch.check():
                print(line, file=sys.stderr, flush=True)
            time.sleep(1)
        print("supervisord stopped unexpectedly; see the logs. Stopping the rest.", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
    finally:
        running.stop()


if __name__ == "__main__":
    main()
