"""A throw-away stack for benchmarks: its own redis-server, servers and data folder, on free ports."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Iterator

from infra.settings import load_settings
from infra.stack import Stack
from tests.support import free_port


@contextlib.contextmanager
def bench_stack() -> Iterator[Stack]:
    """Start everything as `make run` does, without touching a running stack; stop it after."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings({
            **os.environ, "REDIS_URL": "", "LOCAL_REDIS_PORT": str(free_port()),
            "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "DESK_PORT": str(free_port()),
            "DATA_DIR": data_dir,
        })
        stack = Stack(settings)
        try:
            stack.start()
            yield stack
        finally:
            stack.stop()
