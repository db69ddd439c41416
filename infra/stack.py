"""Starts the whole stack (Redis, action server, Rasa) and stops it cleanly on Ctrl-C.

`make run` calls `python -m infra.stack`; the end-to-end tests use the same functions, so
what they test is what a user runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from infra.redis_client import connect
from infra.redis_server import start_redis
from infra.settings import REPO_ROOT, Settings, load_settings, local_secret

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
APP_PYTHON = Path(sys.executable)
MODEL_PATH = REPO_ROOT / "models" / "current.tar.gz"
SAMPLE_KB = REPO_ROOT / "kb" / "content"


def rasa_token(settings: Settings) -> str:
    """RASA_TOKEN, or a random one kept in the data folder, so the HTTP API is never open."""
    return settings.rasa_token or local_secret(settings, "rasa_token")


def service_env(settings: Settings) -> dict[str, str]:
    """The environment every server gets: all settings, plus Redis split into the parts
    endpoints.yml reads, and the token (generated if unset) so all agree on it."""
    redis = settings.redis
    return {
        **os.environ,
        **settings.as_env(),
        "RASA_TOKEN": rasa_token(settings),
        "REDIS_HOST": redis.host,
        "REDIS_PORT": str(redis.port),
        "REDIS_DB": str(redis.db),
        "REDIS_PASSWORD": redis.password,
        "PYTHONPATH": str(REPO_ROOT),
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": str(settings.torch_threads),
        "RASA_TELEMETRY_ENABLED": "false",
    }


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as sink:
        return subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=sink, stderr=subprocess.STDOUT)


def start_action_server(settings: Settings, log: Path) -> subprocess.Popen:
    """The rasa-sdk action server (KB retrieval) on settings.action_port."""
    return _spawn([str(APP_PYTHON), "-m", "actions.server"], service_env(settings), log)


def start_desk(settings: Settings, log: Path) -> subprocess.Popen:
    """The web app: agent desk, widget files, demo store page."""
    return _spawn([str(APP_PYTHON), "-m", "desk.server"], service_env(settings), log)


def start_rasa(settings: Settings, log: Path, model: Path = MODEL_PATH) -> subprocess.Popen:
    """The Rasa server with the REST and socket.io channels and a token-guarded HTTP API."""
    command = [
        str(RASA_PYTHON), "-m", "rasa_ext.server", "run", "--model", str(model),
        "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        "--port", str(settings.rasa_port), "--enable-api",
        # One argument: a generated token may start with "-", which argparse would take for an option.
        f"--auth-token={rasa_token(settings)}",
        "--cors", "*",
    ]
    return _spawn(command, service_env(settings), log)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 180.0) -> None:
    """Poll `url` until it answers 200; fail early if `process` dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s; see {log}")


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


def stop_all(processes: list[subprocess.Popen]) -> None:
    """Stop in reverse start order: servers before the Redis they write to."""
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


class Stack:
    """Redis (unless REDIS_URL is set), the action server and Rasa, started and stopped together."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.logs = settings.data_dir / "logs"
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.settings.rasa_port}"

    @property
    def desk_url(self) -> str:
        return f"http://localhost:{self.settings.desk_port}"

    def start(self) -> list[str]:
        """Start everything and wait until it answers; returns what was done, for printing."""
        notes = []
        if not self.settings.redis_url:
            self.processes["redis"] = start_redis(self.settings.local_redis_port, self.settings.data_dir / "redis")
        notes.append(import_sample_kb_if_empty(self.settings))
        self.processes["rasa"] = start_rasa(self.settings, self.logs / "rasa.log")
        self.start_actions()
        self.processes["desk"] = start_desk(self.settings, self.logs / "desk.log")
        wait_until_up(f"{self.desk_url}/health", self.processes["desk"], self.logs / "desk.log")
        wait_until_up(f"{self.rasa_url}/", self.processes["rasa"], self.logs / "rasa.log", timeout=300)
        return notes

    def start_actions(self) -> None:
        """Start the action server and wait for its health check."""
        log = self.logs / "actions.log"
        self.processes["actions"] = start_action_server(self.settings, log)
        wait_until_up(f"http://localhost:{self.settings.action_port}/health", self.processes["actions"], log)

    def stop_actions(self) -> None:
        """Stop only the action server (to show what a customer sees during an outage)."""
        stop_all([self.processes.pop("actions")])

    def stop(self) -> None:
        """Stop everything that was started, servers first."""
        stop_all(list(self.processes.values()))
        self.processes.clear()

    def failed(self) -> bool:
        """True when a process that was started has exited."""
        return any(p.poll() is not None for p in self.processes.values())


def main() -> None:
    """Start everything, print where it listens, and wait for Ctrl-C."""
    settings = load_settings()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Ctrl-C stops it even when started in the background of a script, where SIGINT starts ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
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
            f"  Agent desk      {running.desk_url}/desk  (users: .venv/bin/python -m desk.users create NAME --role agent)\n"
            f"  KB editor       {running.desk_url}/desk/kb  (for --role content_owner or admin)\n"
            f"  Notices         {running.desk_url}/desk/notices  (bad news told to customers; supervisors, content owners)\n"
            f"  Report          {running.desk_url}/desk/feedback  (ratings and waits; supervisors, content owners)\n"
            f"  Logs            {running.logs}/\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while not running.failed():
            time.sleep(1)
        print("A service stopped unexpectedly; see the logs. Stopping the rest.", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
    finally:
        running.stop()


if __name__ == "__main__":
    main()
