"""The retrieval index: KB entries ranked for a customer question, with a score in [0, 1].

An entry's score mixes two cosines in the fitted embedding space (see kb.finetune):
  * to the entry's class vector (a cosine classifier fitted on its variants and title), which
    generalises over the variants;
  * to the entry's nearest variant (FAISS inner-product search), which keeps a close match to
    one specific phrasing decisive.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Sequence

import faiss
import numpy as np

from kb.encoder import Encoder
from kb.entry import Entry
from kb.finetune import TunedEncoder, fit
from kb.retrieval_config import RetrievalConfig

# Variants fetched per query before taking each entry's best; entries not reached get the
# lowest fetched similarity (an upper bound of their true best, so ranking stays sound).
VARIANT_CANDIDATES = 256


@dataclass(frozen=True)
class Hit:
    """One ranked entry."""

    entry_id: str
    score: float


def training_texts(entries: Sequence[Entry], include_titles: bool) -> tuple[list[str], list[int]]:
    """The texts the index is fitted on and the position of each text's entry."""
    texts: list[str] = []
    owners: list[int] = []
    for position, entry in enumerate(entries):
        for text in entry.questions + ((entry.title,) if include_titles else ()):
            texts.append(text)
            owners.append(position)
    return texts, owners


def cache_key(entries: Sequence[Entry], config: RetrievalConfig, model_name: str) -> str:
    """A hash of everything a built index depends on (model, ids, titles, questions, config).

    The decision thresholds are left out: they are applied after search, so changing them
    needs no rebuild.
    """
    settings = asdict(config)
    del settings["thresholds"]
    content = {
        "model": model_name,
        "entries": sorted([e.id, e.title, list(e.questions)] for e in entries),
        "config": settings,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


class RetrievalIndex:
    """Ranks entries for queries; build once per KB version, then search from any caller."""

    def __init__(
        self, ids: list[str], encoder: TunedEncoder | None, classes: np.ndarray,
        variants: np.ndarray, owners: np.ndarray, config: RetrievalConfig,
    ) -> None:
        self._ids = ids
        self._encoder = encoder
        self._classes = classes
        self._owners = owners
        self._config = config
        self._variants = faiss.IndexFlatIP(variants.shape[1])
        self._variants.add(variants)

    @classmethod
    def build(cls, entries: Sequence[Entry], encoder: Encoder, config: RetrievalConfig) -> "RetrievalIndex":
        """Fit the index to `entries` (deterministic for the same entries and config).

        Entries are ordered by id first so the result does not depend on the order given
        (which keeps cache_key valid).
        """
        ordered = sorted(entries, key=lambda e: e.id)
        ids = [e.id for e in ordered]
        if not ordered:
            empty = np.zeros((0, encoder.dimension), dtype=np.float32)
            return cls(ids, None, empty, empty, np.zeros(0, dtype=np.int64), config)
        texts, owners = training_texts(ordered, config.finetune.include_titles)
        tuned, classes, variants = fit(encoder.model, texts, owners, len(ids), config.finetune, config.max_tokens)
        return cls(ids, tuned, classes, variants, np.asarray(owners, dtype=np.int64), config)

    def __len__(self) -> int:
        return len(self._ids)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The best `k` entries for one query, best first."""
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 5) -> list[list[Hit]]:
        """The best `k` entries for each query (encoded in batches), best first."""
        if not self._ids or self._encoder is None:
            return [[] for _ in queries]
        scores = self.score_matrix(self._encoder.encode(queries))
        k = min(k, len(self._ids))
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return [[Hit(self._ids[j], float(row[j])) for j in order] for row, order in zip(scores, top)]

    def score_matrix(self, embedded: np.ndarray) -> np.ndarray:
        """Scores in [0, 1] of every entry (columns, in id order) for embedded queries (rows)."""
        to_class = embedded @ self._classes.T
        fetched = min(VARIANT_CANDIDATES, self._variants.ntotal)
        sims, rows = self._variants.search(embedded, fetched)
        nearest = np.repeat(sims[:, -1:], len(self._ids), axis=1)
        for query in range(len(embedded)):
            np.maximum.at(nearest[query], self._owners[rows[query]], sims[query])
        weight = self._config.nearest_variant_weight
        return np.clip((to_class + weight * nearest) / (1 + weight), 0.0, 1.0)
