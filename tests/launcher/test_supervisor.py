"""The services' supervisor (a real supervisord): restarts with backoff, FATAL reported, all stopped."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from launcher.stack import Watch
from launcher.supervisor import Program, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]
FAILING = [sys.executable, "-c", "import sys; print('broken on purpose'); sys.exit(3)"]


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Supervisor]:
    supervised = Supervisor(tmp_path / "supervisor", tmp_path / "logs", tmp_path)
    supervised.start([
        Program("steady", SLEEPER, tmp_path / "logs" / "steady.log", start_seconds=1),
        Program("other", SLEEPER, tmp_path / "logs" / "other.log", start_seconds=1),
        Program("broken", FAILING, tmp_path / "logs" / "broken.log", start_seconds=1, start_retries=2),
    ], {**os.environ, "SECRET_TOKEN": "in-the-environment-only"})
    yield supervised
    supervised.shutdown()


def test_a_killed_service_is_restarted_and_the_others_go_on(supervisor: Supervisor):
    watch = Watch(supervisor)
    for name in ("steady", "other"):
        supervisor.start_program(name)
    wait_for(lambda: supervisor.info("steady")["statename"] == "RUNNING")
    assert watch.check() == []
    killed, other = supervisor.info("steady")["pid"], supervisor.info("other")["pid"]
    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: supervisor.info("steady")["pid"] not in (0, killed))
    assert supervisor.info("other")["pid"] == other
    assert any("steady was restarted" in line for line in watch.check())


def test_a_service_that_keeps_failing_is_fatal_after_its_retries_and_reported(supervisor: Supervisor):
    watch = Watch(supervisor)
    supervisor.start_program("broken")
    wait_for(lambda: supervisor.info("broken")["statename"] == "FATAL")  # after 1 s, then 2 s of backoff
    news = watch.check()
    assert any("broken keeps failing and is FATAL" in line for line in news)
    assert watch.check() == []  # reported once
    assert "broken on purpose" in (supervisor.logs / "broken.log").read_text()


def test_the_config_has_no_secrets_and_shutdown_stops_everything(supervisor: Supervisor, tmp_path: Path):
    supervisor.start_program("steady")
    wait_for(lambda: supervisor.info("steady")["pid"] != 0)
    pid = supervisor.info("steady")["pid"]
    assert "in-the-environment-only" not in supervisor.config.read_text()
    # Read once the program has exec'd: between fork and exec its environ reads empty.
    environ = Path(f"/proc/{pid}/environ")
    wait_for(lambda: environ.read_bytes() != b"")
    assert "in-the-environment-only" in environ.read_bytes().decode()
    assert supervisor.config.stat().st_mode & 0o077 == 0
    supervisor.shutdown()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert not supervisor.running()


def test_programs_left_by_a_killed_supervisord_are_stopped_by_shutdown(supervisor: Supervisor):
    supervisor.start_program("steady")
    wait_for(lambda: supervisor.info("steady")["pid"] != 0)
    pid = next(i["pid"] for i in supervisor.all_info() if i["name"] == "steady")
    os.kill(supervisor.rpc().getPID(), signal.SIGKILL)
    wait_for(lambda: not supervisor.running())
    supervisor.shutdown()
    wait_for(lambda: not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text())


def test_programs_stopped_together_stop_and_the_others_go_on(supervisor: Supervisor):
    for name in ("steady", "other"):
        supervisor.start_program(name)
    wait_for(lambda: supervisor.info("other")["statename"] == "RUNNING")
    supervisor.stop_programs(["steady"])
    assert supervisor.info("steady")["statename"] == "STOPPED"
    assert supervisor.info("other")["statename"] == "RUNNING"
