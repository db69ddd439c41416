"""Sentence embeddings from a sentence-transformers model loaded from disk (never downloaded)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np


class Encoder:
    """Turns texts into unit-length float32 vectors.

    Loading is lazy, so creating an Encoder is free; one lock serialises calls because a
    torch model is not safe to run from several threads at once.
    """

    def __init__(self, model: str, threads: int = 1) -> None:
        self.model_name = model
        self.threads = threads  # torch intra-op threads (kb.fitter gives its child the same)
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        # Offline by design: a missing model must fail loudly, not reach for the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        # Default threading on a 2-core machine made one query ~60x slower (bench/ measures it).
        torch.set_num_threads(self.threads)
        return SentenceTransformer(self.model_name, device="cpu")

    @property
    def model(self):
        """The loaded sentence-transformers model (loaded on first use)."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings, one row per text."""
        model = self.model
        with self._lock:
            vectors = model.encode(
                list(texts), batch_size=batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
