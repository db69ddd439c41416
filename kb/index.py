"""The retrieval index: KB entries ranked for a customer question, with a score in [0, 1].

An entry's score mixes two cosines in the fitted embedding space (see kb.finetune):
  * to the entry's class vector (a cosine classifier fitted on its variants and title), which
    generalises over the variants;
  * to the entry's nearest variant (FAISS inner-product search), which keeps a close match to
    one specific phrasing decisive.

A `Fit` is the slow part (minutes for a large KB), made once per KB content and shared by every
process (kb.fits). A `RetrievalIndex` serves one Fit plus the edits made since: entries changed
or deleted after the fit are hidden in the fitted part, and added or edited ones live in a small
exact part encoded with the fit's tuned model (`patched`). Indexes are never changed once built;
a patch or a new fit makes a new one, which the caller swaps in with one reference assignment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property

import faiss
import numpy as np

from kb import finetune
from kb.encoder import Encoder
from kb.entry import Entry
from kb.finetune import TunedEncoder, fit
from kb.retrieval_config import RetrievalConfig

# Variants fetched per query before taking each entry's best; entries not reached get the
# lowest fetched similarity (an upper bound of their true best, so ranking stays sound).
VARIANT_CANDIDATES = 256
# Taken off the scores of entries patched in since the fit. The fitted model has not learnt to
# tell them from their neighbours, and their paraphrases score 0.02-0.05 higher than after the
# refit (gift cards added to tests/kb's small KB), so they would be answered where the refit
# would clarify; with the discount they are at most as confident, for the seconds until it.
# That holds for an entry the refit trains on; in a KB larger than the training sample
# (kb.finetune.FIT_SAMPLE_ENTRIES) most entries are not, and get the mean of their variants as
# class vector, as a patched entry does, so the discount shrinks with the share trained on
# (patch_discount). Measured 2026-11-30 (30 new entries of the synthetic KB, a paraphrase each,
# patched score before the discount less the score after the refit): 800 entries, all trained
# on, mean +0.043 (+0.017 to +0.081); 3,000 entries, a third trained on, mean -0.000 (-0.042 to
# +0.044). With the whole 0.05 there, one of the 30 lost its first place to a fitted entry it
# kept after the refit; at 100,000 entries, 1 edit in 20 of bench-kb never went live.
PATCH_DISCOUNT = 0.05
# Above this many fitted entries a query's work is bounded instead of growing with the KB: the
# variants and the class vectors are searched in FAISS HNSW graphs (approximate), and only the
# entries found there (owners of the VARIANT_CANDIDATES nearest variants and the CLASS_CANDIDATES
# nearest class vectors) are scored; any other entry's score is below theirs in all but rare
# cases. Below it (BANKING77, the sample KB) search is exact, as `make eval` measures it.
# Measured (2026-11-30, CPU time per query, one thread, 6 variants an entry, 256 variants fetched):
# the exact scan costs ~0.85 ms per 1,000 entries (it reads every variant: 92 MB a query at
# 10,000 entries), the HNSW search 3-5 ms whatever the size; they cross near 5,000 entries, where
# HNSW still finds 93% of the exact 256 nearest variants (clustered synthetic vectors).
APPROXIMATE_ABOVE = 5_000
CLASS_CANDIDATES = 64
HNSW_LINKS = 32  # graph degree: FAISS's usual value for a few hundred thousand vectors


def patch_discount(fitted_entries: int) -> float:
    """PATCH_DISCOUNT in proportion to the share of a KB of this size that a refit trains on."""
    return PATCH_DISCOUNT * min(1.0, finetune.FIT_SAMPLE_ENTRIES / max(fitted_entries, 1))


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


def fitted_text(entry: Entry) -> str:
    """A digest of what a fit reads from an entry (its title and questions, not its answer)."""
    return hashlib.sha256(json.dumps([entry.title, list(entry.questions)]).encode()).hexdigest()[:16]


def cache_key(entries: Sequence[Entry], config: RetrievalConfig, model_name: str) -> str:
    """A hash of everything a fit depends on (model, ids, titles, questions, config): kb.fits' key.

    The decision thresholds are left out: they are applied after search, so changing them
    needs no refit.
    """
    settings = asdict(config)
    del settings["thresholds"]
    # Rows as tuples (the same JSON as lists, so the same key): 100,000 new lists set off garbage
    # collections over the whole heap, and the key took 1.3 s with the GIL held instead of 0.37 s
    # (2026-11-30), stalling every question of the process. Sorted by id, which is unique.
    content = {
        "model": model_name,
        "entries": [(e.id, e.title, e.questions) for e in sorted(entries, key=lambda e: e.id)],
        "config": settings,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, eq=False)
class Fit:
    """The tuned model, class vectors and variant vectors fitted to one KB's texts.

    Rows of `classes` follow `ids` (sorted); the variants (searched in `variant_index`, the
    vectors themselves are not kept beside it) belong to the entries at `owners`. `class_index`
    exists only for a fit above APPROXIMATE_ABOVE entries, whose searches it bounds (its `classes`
    are float16, the exact fit's float32).
    """

    key: str
    ids: tuple[str, ...]
    digests: tuple[str, ...]  # fitted_text of each entry, as fitted
    encoder: TunedEncoder
    classes: np.ndarray
    owners: np.ndarray
    variant_index: faiss.Index
    class_index: faiss.Index | None = None

    @classmethod
    def make(cls, entries: Sequence[Entry], encoder: Encoder, config: RetrievalConfig) -> Fit:
        """Fit to `entries` (deterministic for the same entries and config, whatever their order)."""
        ordered = sorted(entries, key=lambda e: e.id)
        texts, owners = training_texts(ordered, config.finetune.include_titles)
        approximate = len(ordered) > APPROXIMATE_ABOVE
        variant_index = new_search_index(encoder.dimension, approximate)
        tuned, classes = fit(encoder.model, texts, owners, len(ordered), config.finetune, config.max_tokens,
                             sink=lambda vectors: add_vectors(variant_index, vectors))
        class_index = None
        if approximate:
            class_index = new_search_index(encoder.dimension, approximate)
            add_vectors(class_index, classes)
            # Only candidates' rows are read then (a few hundred a query): 16 bits a value halve the
            # largest array a replica holds after the graphs (154 -> 77 MB at 100,000 entries) and
            # move a cosine by under a thousandth.
            classes = classes.astype(np.float16)
        return cls(
            cache_key(ordered, config, encoder.model_name), tuple(e.id for e in ordered),
            tuple(map(fitted_text, ordered)), tuned, classes, np.asarray(owners, dtype=np.int64),
            variant_index, class_index,
        )

    @property
    def approximate(self) -> bool:
        """Whether searches are bounded and approximate (see APPROXIMATE_ABOVE; decided at fit time)."""
        return self.class_index is not None

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each fitted entry's row (made once per fit, not per patch)."""
        return {entry_id: i for i, entry_id in enumerate(self.ids)}


def new_search_index(dimension: int, approximate: bool) -> faiss.Index:
    """An empty inner-product index: exact, or for a large KB an HNSW graph over 8-bit vectors.

    The 8-bit scalar quantizer stores a vector in 384 bytes instead of 1,536 (MiniLM), which is
    what keeps 100,000 entries' 600,000 variants in memory (and in one Redis value each part
    below its 512 MB limit); it moves a cosine by a few thousandths. It is trained on the first vectors
    added (a chunk of kb.finetune.STREAM_CHUNK).
    """
    if not approximate:
        return faiss.IndexFlatIP(dimension)
    # faiss's type stubs take the quantizer's kind (an int) for a ScalarQuantizer.
    index = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_8bit,  # type: ignore[arg-type]
                              HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efSearch = 2 * VARIANT_CANDIDATES
    return index


def add_vectors(index: faiss.Index, vectors: np.ndarray) -> None:
    """Add unit vectors to an index of new_search_index (training its quantizer on the first)."""
    if not len(vectors):
        return
    if not index.is_trained:
        index.train(vectors)
    index.add(vectors)


@dataclass(frozen=True)
class _Patch:
    """Entries added or edited since the fit, encoded with its tuned model (searched exactly)."""

    ids: tuple[str, ...] = ()
    digests: tuple[str, ...] = ()
    classes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    variants: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    owners: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def without(self, ids: set[str]) -> _Patch:
        """This patch minus some entries."""
        keep = [i for i, entry_id in enumerate(self.ids) if entry_id not in ids]
        if len(keep) == len(self.ids):
            return self
        rows = np.isin(self.owners, keep)
        renumber = np.full(len(self.ids), -1, np.int64)
        renumber[keep] = np.arange(len(keep))
        return _Patch(tuple(self.ids[i] for i in keep), tuple(self.digests[i] for i in keep),
                      self.classes[keep], self.variants[rows], renumber[self.owners[rows]])

    def plus(self, entries: list[Entry], encoder: TunedEncoder, include_titles: bool) -> _Patch:
        """This patch plus `entries`, encoded now.

        An entry's class vector is the mean of its variants under the fitted model, as the fit
        itself starts each class (kb.finetune.fit); see patch_discount for its scores.
        """
        if not entries:
            return self
        texts, owners = training_texts(entries, include_titles)
        variants = encoder.encode(texts)
        sums = np.zeros((len(entries), variants.shape[1]), np.float32)
        np.add.at(sums, owners, variants)
        classes = sums / np.linalg.norm(sums, axis=1, keepdims=True)
        start = len(self.ids)
        return _Patch(
            self.ids + tuple(e.id for e in entries), self.digests + tuple(map(fitted_text, entries)),
            np.vstack([self.classes.reshape(-1, variants.shape[1]), classes]),
            np.vstack([self.variants.reshape(-1, variants.shape[1]), variants]),
            np.concatenate([self.owners, np.asarray(owners, np.int64) + start]),
        )


class RetrievalIndex:
    """Ranks entries for queries: a Fit plus the entries patched in since; never changed once made."""

    def __init__(self, fit: Fit, config: RetrievalConfig, hidden: np.ndarray | None = None,
                 patch: _Patch = _Patch()) -> None:
        self.fit = fit
        self._config = config
        self._hidden = hidden if hidden is not None else np.zeros(len(fit.ids), bool)
        self._patch = patch
        self._ids = list(fit.ids) + list(patch.ids)

    @classmethod
    def build(cls, entries: Sequence[Entry], encoder: Encoder, config: RetrievalConfig) -> RetrievalIndex:
        """Fit an index to `entries` (deterministic for the same entries and config)."""
        return cls(Fit.make(entries, encoder, config), config)

    def __len__(self) -> int:
        return int(len(self._hidden) - self._hidden.sum()) + len(self._patch.ids)

    def patched(self, changed: Mapping[str, Entry | None]) -> RetrievalIndex:
        """A new index with `changed` entries (None: deleted) as given; this one stays as it was.

        Only entries whose title or questions differ from what this index holds are encoded.
        """
        hidden = self._hidden.copy()
        held = dict(zip(self._patch.ids, self._patch.digests, strict=True))
        dropped: set[str] = set()
        added: list[Entry] = []
        for entry_id, entry in changed.items():
            digest = fitted_text(entry) if entry else None
            if entry_id in held and held[entry_id] == digest:
                continue
            if entry_id in held:
                dropped.add(entry_id)
            position = self.fit.positions.get(entry_id)
            as_fitted = position is not None and self.fit.digests[position] == digest
            if position is not None:
                hidden[position] = not as_fitted
            if entry is not None and not as_fitted:
                added.append(entry)
        if not dropped and not added and np.array_equal(hidden, self._hidden):
            return self
        # Only what is added is sorted (patches are made in id order): sorting all `changed`, every
        # entry when a fit is adopted, held the GIL for 0.34 s at 100,000 entries.
        added.sort(key=lambda entry: entry.id)
        patch = self._patch.without(dropped).plus(added, self.fit.encoder, self._config.finetune.include_titles)
        return RetrievalIndex(self.fit, self._config, hidden, patch)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The best `k` entries for one query, best first."""
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 5) -> list[list[Hit]]:
        """The best `k` entries for each query (encoded in batches), best first."""
        if not len(self):
            return [[] for _ in queries]
        return self.search_embedded(self.fit.encoder.encode(queries), k)

    def search_embedded(self, embedded: np.ndarray, k: int = 5) -> list[list[Hit]]:
        """`search_many` for queries already encoded with this fit's model (rows), which indexes
        patched from the same fit share: kb.gate encodes its questions once for both sides."""
        if not len(self):
            return [[] for _ in embedded]
        k = min(k, len(self))
        if self.fit.approximate:
            return [self._top(*self._candidate_scores(row), k) for row in embedded]
        scores = np.hstack([self._fitted_scores(embedded), self._patch_scores(embedded)])
        columns = np.arange(scores.shape[1])
        return [self._top(columns, row, k) for row in scores]

    def _top(self, columns: np.ndarray, scores: np.ndarray, k: int) -> list[Hit]:
        """The `k` best of scored columns (fitted entries in id order, then patched ones)."""
        order = np.argsort(-scores, kind="stable")[:k]
        return [Hit(self._ids[columns[j]], float(scores[j])) for j in order if scores[j] >= 0]

    def _mix(self, to_class: np.ndarray, nearest: np.ndarray) -> np.ndarray:
        weight = self._config.nearest_variant_weight
        return np.clip((to_class + weight * nearest) / (1 + weight), 0.0, 1.0)

    def _fitted_scores(self, embedded: np.ndarray) -> np.ndarray:
        """Scores of every fitted entry (columns, in id order) for embedded queries (rows): in
        [0, 1], and -1 for hidden entries."""
        fit = self.fit
        if not len(fit.ids):
            return np.zeros((len(embedded), 0), np.float32)
        sims, rows = fit.variant_index.search(embedded, min(VARIANT_CANDIDATES, fit.variant_index.ntotal))
        nearest = np.repeat(sims[:, -1:], len(fit.ids), axis=1)
        for query in range(len(embedded)):
            np.maximum.at(nearest[query], fit.owners[rows[query]], sims[query])
        fitted = self._mix(embedded @ fit.classes.T, nearest)
        fitted[:, self._hidden] = -1.0
        return fitted

    def _patch_scores(self, embedded: np.ndarray) -> np.ndarray:
        """Scores of the patched entries (columns, after the fitted ones), less their discount."""
        patch = self._patch
        if not patch.ids:
            return np.zeros((len(embedded), 0), np.float32)
        sims = embedded @ patch.variants.T
        nearest = np.full((len(embedded), len(patch.ids)), -1.0, np.float32)
        for query in range(len(embedded)):
            np.maximum.at(nearest[query], patch.owners, sims[query])
        discount = patch_discount(len(self.fit.ids))
        return np.clip(self._mix(embedded @ patch.classes.T, nearest) - discount, 0.0, 1.0)

    def _candidate_scores(self, embedded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One query's scored columns when approximate: the fitted entries found near it, then
        every patched one (few)."""
        fit, query = self.fit, embedded[None]
        sims, rows = fit.variant_index.search(query, min(VARIANT_CANDIDATES, fit.variant_index.ntotal))
        found = rows[0] >= 0
        sims, owners = sims[0][found], fit.owners[rows[0][found]]
        assert fit.class_index is not None  # approximate
        classes = fit.class_index.search(query, CLASS_CANDIDATES)[1][0]
        candidates = np.unique(np.concatenate([owners, classes[classes >= 0]]))
        candidates = candidates[~self._hidden[candidates]]
        nearest = np.full(len(candidates), sims[-1] if len(sims) else -1.0, np.float32)
        shown = ~self._hidden[owners]
        np.maximum.at(nearest, np.searchsorted(candidates, owners[shown]), sims[shown])
        fitted = self._mix(fit.classes[candidates] @ embedded, nearest)
        patched = np.arange(len(fit.ids), len(self._ids))
        return np.concatenate([candidates, patched]), np.concatenate([fitted, self._patch_scores(query)[0]])
