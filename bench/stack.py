"""A throw-away stack for benchmarks: its own redis-server, servers and data folder, on free ports."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.clients import free_port
from infra.settings import load_settings
from launcher.stack import Stack


@contextlib.contextmanager
def bench_stack(keep_in: Path | None = None, replicas: int = 1) -> Iterator[Stack]:
    """Start everything as `make run` does (REPLICAS=`replicas`), without touching a running stack; stop it after.

    Its data folder (logs included) is thrown away after, unless `keep_in` names one.
    """
    with contextlib.nullcontext(str(keep_in)) if keep_in else tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings({
            **os.environ, "REDIS_URL": "", "LOCAL_REDIS_PORT": str(free_port()),
            "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "DESK_PORT": str(free_port()),
            "DATA_DIR": data_dir, "REPLICAS": str(replicas),
        })
        stack = Stack(settings)
        try:
            stack.start()
            yield stack
        finally:
            stack.stop()
