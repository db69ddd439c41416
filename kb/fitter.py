"""A fit made in a process of its own (`python -m kb.fitter`), so the process asking for it never
holds the fit's working memory (kb.fits decides when: FitStore's `apart_above`).

The pipe, one way each: the parent writes the job (model, threads, config, then the entries one
by one, pickled) to the child's stdin and keeps it open; the child fits and writes the fit's byte parts
(kb.fit_parts.dumps) to its stdout, each after its length, then an empty one, and exits. The
parent takes the parts one at a time (kb.fits stores each as it comes), so neither side holds a
second copy of the fit. A child whose stdin closes before it is done (its parent died) exits at
once rather than fitting for nobody: at 100,000 entries that would be an hour and 1.65 GB.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Generator, Sequence
from typing import IO

from kb.encoder import Encoder
from kb.entry import Entry
from kb.fit_parts import dumps
from kb.index import Fit
from kb.retrieval_config import RetrievalConfig

_LENGTH = struct.Struct("<Q")  # each part's length, before it
COMMAND = [sys.executable, "-m", "kb.fitter"]  # the child (this module's `main`)
# The child's CPU priority is lowered by this much: it is background work, and on a machine with
# few cores the questions of the serving processes should get a core before it does.
NICENESS = 10

log = logging.getLogger(__name__)


def _write_part(stream: IO[bytes], part: bytes | memoryview) -> None:
    stream.write(_LENGTH.pack(len(part)))
    stream.write(part)


def _read_part(stream: IO[bytes]) -> bytes:
    """The next part (empty: the last was sent); EOFError if the stream ends inside one."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError("the stream ended before its last part")
    size = _LENGTH.unpack(head)[0]
    part = stream.read(size)
    if len(part) < size:
        raise EOFError("the stream ended inside a part")
    return part


def send_job(stream: IO[bytes], entries: Sequence[Entry], encoder: Encoder, config: RetrievalConfig) -> None:
    """Write a fitting child's job to `stream`: its settings, then the entries one by one.

    Entry by entry, because one pickle of 100,000 entries held ~170 MB (its memo and its bytes)
    in the asking process for as long as the fit ran (bench-kb, 2026-11-30).
    """
    _write_part(stream, pickle.dumps((len(entries), encoder.model_name, encoder.threads, config)))
    for entry in entries:
        _write_part(stream, pickle.dumps(entry))
    stream.flush()


def made_apart(entries: Sequence[Entry], encoder: Encoder, config: RetrievalConfig) -> Generator[bytes, None, None]:
    """The byte parts of a fit of `entries`, made by a child process, as it sends them.

    RuntimeError if the child fails (its log is on this process's stderr); a caller that stops
    reading ends the child.
    """
    child = subprocess.Popen(COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    try:
        send_job(child.stdin, entries, encoder, config)
        while part := _read_part(child.stdout):
            yield part
        if child.wait() != 0:
            raise RuntimeError(f"the fitting process {child.pid} exited with {child.returncode}")
    except (EOFError, BrokenPipeError) as error:
        raise RuntimeError(f"the fitting process {child.pid} ended before its fit was sent "
                           f"(exit code {child.wait()})") from error
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        with contextlib.suppress(BrokenPipeError):  # what was left unsent to a dead child
            child.stdin.close()
        child.stdout.close()


def _exit_when_orphaned(stdin: int) -> None:
    # Unbuffered reads: a buffered reader's lock, held here at interpreter exit, aborts Python.
    while os.read(stdin, 1 << 16):  # returns b"" when the parent closes its end or dies
        pass
    os._exit(1)


def main() -> None:
    """The child: read the job from stdin, fit, write the parts to stdout."""
    # The parts go to a copy of stdout; fd 1 itself then points at stderr, so nothing a library
    # prints (Python or C) can fall into the stream.
    parts = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s kb.fitter[%(process)d] %(message)s")
    os.nice(NICENESS)
    stdin = sys.stdin.buffer
    count, model_name, threads, config = pickle.loads(_read_part(stdin))
    entries = [pickle.loads(_read_part(stdin)) for _ in range(count)]
    threading.Thread(target=_exit_when_orphaned, args=(stdin.fileno(),), daemon=True).start()
    started = time.perf_counter()
    fit = Fit.make(entries, Encoder(model_name, threads), config)
    log.info("fitted %d entries in %.1f s", len(entries), time.perf_counter() - started)
    for part in dumps(fit):
        _write_part(parts, part)
    _write_part(parts, b"")
    parts.flush()


if __name__ == "__main__":
    main()
