"""A fit as byte parts (stored in a Redis list by kb.fits, streamed from a fitting child by kb.fitter).

Part 0 is torch.save of the tuned layers' weights (~14 MB for MiniLM's top 2 layers), the ids
and the class vectors; then the FAISS search indexes, serialised, cut into parts of PART_BYTES.
Loading reads one part at a time and streams each index into faiss, so a serialisation is never
held whole beside the index it becomes.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import faiss
import numpy as np
import torch

from kb.encoder import Encoder
from kb.finetune import TunedEncoder
from kb.index import Fit
from kb.retrieval_config import RetrievalConfig

# A stored fit's list items (a Redis value may hold 512 MB). Small, because loading holds a part,
# and redis-py's copies of it, beside the index being read. Measured 2026-11-30 (a 300,000-vector
# HNSW graph, 188 MB serialised, loaded in a fresh process; peak = VmHWM): streamed through
# _PartsReader the peak was 243 MB above the loaded graph with 64 MB parts, 29 MB with 8 MB parts;
# deserialised from a whole copy (as before), 375 MB.
PART_BYTES = 8 << 20


def _serialised(index: faiss.Index | None) -> np.ndarray:
    return faiss.serialize_index(index) if index is not None else np.zeros(0, np.uint8)


def dumps(fit: Fit) -> list[bytes | memoryview]:
    """A fit as byte parts (the frozen lower layers are the base model's, so they are not included).

    The indexes' parts are views of their serialisation, not copies.
    """
    indexes = [_serialised(fit.variant_index), _serialised(fit.class_index)]
    buffer = io.BytesIO()
    torch.save({
        "key": fit.key, "ids": list(fit.ids), "digests": list(fit.digests), "top": fit.encoder.top.state_dict(),
        "classes": torch.from_numpy(fit.classes), "owners": torch.from_numpy(fit.owners),
        "index_bytes": [len(raw) for raw in indexes], "part_bytes": PART_BYTES,
    }, buffer)
    parts: list[bytes | memoryview] = [buffer.getvalue()]
    for raw in indexes:
        view = raw.data  # a memoryview of the serialisation
        parts += [view[i:i + PART_BYTES] for i in range(0, len(raw), PART_BYTES)]
    return parts


class _PartsReader:
    """One serialised index read from its consecutive stored parts, as faiss asks for it (a block
    of at most 1 MB a call): the serialisation is never held whole beside the index it becomes.
    At 100,000 entries (bench-kb, 2026-11-30) deserialising a whole copy put a replica's peak at
    2,080 MB against 1,555 MB once loaded."""

    def __init__(self, read_part: Callable[[int], bytes], position: int) -> None:
        self._read_part = read_part
        self._position = position
        self._part = memoryview(b"")
        self._at = 0

    def __call__(self, size: int) -> bytes:
        chunks = []
        while size > 0:
            if self._at == len(self._part):
                self._part, self._at = memoryview(self._read_part(self._position)), 0
                self._position += 1
            taken = self._part[self._at:self._at + size]
            chunks.append(taken)
            self._at += len(taken)
            size -= len(taken)
        return b"".join(chunks)


def loads(read_part: Callable[[int], bytes], encoder: Encoder, config: RetrievalConfig) -> Fit:
    """A fit from the parts of `dumps` (read one at a time, each index streamed into faiss), its
    tuned layers on top of `encoder`'s model."""
    state = torch.load(io.BytesIO(read_part(0)), weights_only=True)
    tuned_layers = config.finetune.tuned_layers if config.finetune.enabled else 0
    tuned = TunedEncoder(encoder.model, tuned_layers, config.max_tokens)
    tuned.top.load_state_dict(state["top"])
    tuned.top.requires_grad_(False)
    position = 1
    indexes: list[faiss.Index | None] = []
    for size in state["index_bytes"]:
        # faiss's type stubs leave out its Python-callback reader.
        reader = faiss.PyCallbackIOReader(_PartsReader(read_part, position))  # type: ignore[attr-defined]
        indexes.append(faiss.read_index(reader) if size else None)
        # The parts this index was cut into (fits stored before part_bytes was recorded: 64 MB).
        position += -(-size // state.get("part_bytes", 64 << 20))
    variant_index, class_index = indexes
    assert variant_index is not None
    return Fit(state["key"], tuple(state["ids"]), tuple(state["digests"]), tuned, state["classes"].numpy(),
               state["owners"].numpy().astype(np.int64), variant_index, class_index)
