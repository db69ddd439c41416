"""The yardstick: Rasa's own starter bot (`rasa init`), trained once and served by plain `rasa run`.

It keeps its trackers in memory, has no custom actions, no action server and no Redis: what a
bare Rasa 3.6 costs per message on this machine. Built into .data/bench/bare on first use (a few
minutes of training) and reused after.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.clients import free_port
from infra.settings import REPO_ROOT
from launcher.stack import wait_until_answers

BARE_DIR = REPO_ROOT / ".data" / "bench" / "bare"
RASA = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "HF_HUB_OFFLINE": "1"}


def bare_model(folder: Path = BARE_DIR) -> Path:
    """The trained starter bot's model; `rasa init --no-prompt` makes and trains it the first time."""
    models = sorted((folder / "models").glob("*.tar.gz"))
    if not models:
        folder.mkdir(parents=True, exist_ok=True)
        print(f"Building the bare `rasa init` bot in {folder} (trained once, a few minutes)...", flush=True)
        with open(folder.parent / "bare-init.log", "w") as log:
            subprocess.run([str(RASA), "init", "--no-prompt", "--init-dir", str(folder)], cwd=folder,
                           env=ENV, stdout=log, stderr=subprocess.STDOUT, check=True)
        models = sorted((folder / "models").glob("*.tar.gz"))
    return models[-1]


@dataclass
class BareBot:
    """The starter bot's server: its URL and process."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def ready(self) -> BareBot:
        """Wait until it answers (loading its models takes a minute or more); itself."""
        wait_until_answers(self.url, self._exited, 900.0, str(self.log))
        return self

    def _exited(self) -> str | None:
        """Why it will never answer: it exited."""
        return None if self.process.poll() is None else f"the bare Rasa bot exited ({self.process.returncode})"


@contextlib.contextmanager
def bare_bot(folder: Path = BARE_DIR) -> Iterator[BareBot]:
    """Serve the starter bot with `rasa run` (REST channel, in-memory trackers) on a free port.

    Yields at once, while it loads (call `ready()` before sending to it), so that it loads while
    something else starts; stops it after.
    """
    model = bare_model(folder)
    port = free_port()
    log_path = folder.parent / "bare-rasa.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(RASA), "run", "--model", str(model), "--port", str(port)], cwd=folder,
                                   env=ENV, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield BareBot(f"http://localhost:{port}", process, log_path)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
