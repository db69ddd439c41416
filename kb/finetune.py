"""Fits copies of the sentence model's top layers (plus a cosine classifier) to a KB's own variants.

Only the top `tuned_layers` transformer layers are trained: the lower layers run once per text,
frozen, so fitting costs a few seconds on CPU. The result is a pure function of the base model,
the training texts and the config (fixed seed, fixed batch order, no global RNG side effects).

Memory does not grow with the KB beyond its outputs: training keeps the lower states of at most
FIT_SAMPLE_ENTRIES entries' texts (a seeded sample of the entries when there are more), and the
texts are then encoded STREAM_CHUNK at a time, each chunk handed to the caller (kb.index adds it
to its search index) and summed into its entry's class vector, so no array of every text's
states or vectors is ever held.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from kb.retrieval_config import FinetuneConfig

# Texts are batched by length so padding (wasted compute) stays small; a window of this many
# batches is sorted at a time during training so batches still mix entries.
_SORT_WINDOW = 4
_ENCODE_BATCH = 64
# `encode` holds the lower states of at most this many texts at once (~25 MB), however many it is given.
_ENCODE_SLICE = 1_024
# Entries whose texts the model is trained on. Training takes at most max_steps x batch_size
# texts (2,880 with kb/retrieval.yml), about half of 1,000 entries' texts, so a larger sample
# would not be seen; it bounds the lower states kept for training to ~150 MB. A KB of at most
# this many entries (every `make eval` set: BANKING77 77, BANKING77-OOS 50, the sample KB 55) is
# trained on whole and fitted exactly as before the bound. Entries outside the sample get the
# mean of their texts under the tuned model as class vector (as a patched entry does, kb.index).
FIT_SAMPLE_ENTRIES = 1_000
# Texts encoded and handed on at once after training when the KB exceeds the sample (~25 MB of
# vectors; the first chunk also trains the search index's 8-bit quantizer, kb.index).
STREAM_CHUNK = 16_384

VectorSink = Callable[[np.ndarray], None]


class TunedEncoder:
    """Sentence embeddings from the base model's frozen lower layers and tuned top layers."""

    def __init__(self, sentence_model, tuned_layers: int, max_tokens: int) -> None:
        bert = sentence_model[0].auto_model
        layers = bert.encoder.layer
        # A private tokenizer behind a lock: queries and patches encode from several threads, and a
        # fast tokenizer called with padding/truncation from two at once fails ("Already borrowed").
        self._tokenizer = copy.deepcopy(sentence_model.tokenizer)
        self._tokenizer_lock = threading.Lock()
        self._embeddings = bert.embeddings
        self._lower = layers[: len(layers) - tuned_layers]
        # A private copy: the shared base model is never changed.
        self.top = copy.deepcopy(layers[len(layers) - tuned_layers:]).eval()
        self._max_tokens = max_tokens

    @property
    def dimension(self) -> int:
        return int(self._embeddings.word_embeddings.embedding_dim)

    def lower_states(self, texts: Sequence[str]) -> list[torch.Tensor]:
        """Hidden states after the frozen layers, one unpadded (tokens, dim) tensor per text."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        states: list[torch.Tensor | None] = [None] * len(texts)
        # no_grad, not inference_mode: these states are inputs to training, which needs normal tensors.
        with torch.no_grad():
            for start in range(0, len(order), _ENCODE_BATCH):
                idx = order[start:start + _ENCODE_BATCH]
                with self._tokenizer_lock:
                    batch = self._tokenizer(
                        [texts[i] for i in idx], padding=True, truncation=True,
                        max_length=self._max_tokens, return_tensors="pt",
                    )
                hidden = self._embeddings(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"])
                mask = batch["attention_mask"].bool()[:, None, None, :]
                for layer in self._lower:
                    hidden = layer(hidden, mask)
                lengths = batch["attention_mask"].sum(1).tolist()
                for row, i in enumerate(idx):
                    states[i] = hidden[row, : lengths[row]].clone()
        return states  # type: ignore[return-value]

    def pool(self, states: Sequence[torch.Tensor]) -> torch.Tensor:
        """Unit-length mean-pooled embeddings of lower states after the top layers."""
        width = max(s.shape[0] for s in states)
        hidden = torch.zeros(len(states), width, states[0].shape[1])
        mask = torch.zeros(len(states), width, dtype=torch.bool)
        for row, state in enumerate(states):
            hidden[row, : state.shape[0]] = state
            mask[row, : state.shape[0]] = True
        for layer in self.top:
            hidden = layer(hidden, mask[:, None, None, :])
        weights = mask.unsqueeze(-1).float()
        return F.normalize((hidden * weights).sum(1) / weights.sum(1), dim=-1)

    def embed_states(self, states: Sequence[torch.Tensor]) -> np.ndarray:
        """Embeddings (float32, unit length) of precomputed lower states, in their order."""
        order = sorted(range(len(states)), key=lambda i: states[i].shape[0])
        out = np.zeros((len(states), self.dimension), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), _ENCODE_BATCH):
                idx = order[start:start + _ENCODE_BATCH]
                out[idx] = self.pool([states[i] for i in idx]).numpy()
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings (float32, unit length), one row per text."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for first in range(0, len(texts), _ENCODE_SLICE):
            out[first:first + _ENCODE_SLICE] = self.embed_states(self.lower_states(texts[first:first + _ENCODE_SLICE]))
        return out


def _batches(states: Sequence[torch.Tensor], size: int, generator: torch.Generator) -> list[list[int]]:
    perm = torch.randperm(len(states), generator=generator).tolist()
    batches: list[list[int]] = []
    for start in range(0, len(perm), size * _SORT_WINDOW):
        window = sorted(perm[start:start + size * _SORT_WINDOW], key=lambda i: states[i].shape[0])
        batches += [window[i:i + size] for i in range(0, len(window), size)]
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


def training_sample(n_classes: int, seed: int) -> np.ndarray:
    """The classes (entry positions, ascending) trained on: all, or a seeded FIT_SAMPLE_ENTRIES."""
    if n_classes <= FIT_SAMPLE_ENTRIES:
        return np.arange(n_classes)
    return np.sort(np.random.default_rng(seed).choice(n_classes, FIT_SAMPLE_ENTRIES, replace=False))


def fit(
    sentence_model, texts: Sequence[str], labels: Sequence[int], n_classes: int,
    config: FinetuneConfig, max_tokens: int, sink: VectorSink,
) -> tuple[TunedEncoder, np.ndarray]:
    """Train top layers and a cosine classifier so each text lands on its label.

    Returns the tuned encoder and the unit-length class vectors (n_classes, dim); the tuned
    embeddings of `texts` are passed to `sink` in order, in chunks. With fine-tuning disabled
    the class vectors are the label centroids.
    """
    tuned_layers = config.tuned_layers if config.enabled else 0
    encoder = TunedEncoder(sentence_model, tuned_layers, max_tokens)
    owners = np.asarray(labels, dtype=np.int64)
    sample = training_sample(n_classes, config.seed)
    whole = len(sample) == n_classes
    chosen = np.arange(len(texts)) if whole else np.flatnonzero(np.isin(owners, sample))
    states = encoder.lower_states([texts[i] for i in chosen.tolist()])
    target = torch.from_numpy(np.searchsorted(sample, owners[chosen]))
    start = torch.from_numpy(encoder.embed_states(states))
    centroids = torch.zeros(len(sample), start.shape[1]).index_add_(0, target, start)
    classes = torch.nn.Parameter(F.normalize(centroids, dim=-1))
    if tuned_layers > 0 and len(chosen):
        # Epochs scale with the KB; the step cap bounds the build time of large KBs.
        per_epoch = math.ceil(len(chosen) / config.batch_size)
        total = min(config.max_steps, config.epochs * per_epoch)
        with torch.random.fork_rng(devices=[]):  # seeded dropout without touching the caller's RNG
            torch.manual_seed(config.seed)
            _train(encoder, classes, states, target, total, config)
    trained = F.normalize(classes.detach(), dim=-1).numpy()
    if whole:  # every text was trained on: its lower states are at hand
        sink(encoder.embed_states(states))
        return encoder, trained
    del states, start  # the sample's states: not needed to encode the rest
    return encoder, _stream(encoder, texts, owners, n_classes, sample, trained, sink)


def _stream(
    encoder: TunedEncoder, texts: Sequence[str], owners: np.ndarray, n_classes: int,
    sample: np.ndarray, trained: np.ndarray, sink: VectorSink,
) -> np.ndarray:
    """Encode every text STREAM_CHUNK at a time into `sink`; the class vectors: `trained` for
    the sample, the normalised sum of its texts' vectors for every other entry."""
    sums = np.zeros((n_classes, encoder.dimension), np.float32)
    for first in range(0, len(texts), STREAM_CHUNK):
        vectors = encoder.encode(texts[first:first + STREAM_CHUNK])
        np.add.at(sums, owners[first:first + STREAM_CHUNK], vectors)
        sink(vectors)
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    sums[sample] = trained
    return sums


def _train(
    encoder: TunedEncoder, classes: torch.nn.Parameter, states: list[torch.Tensor],
    target: torch.Tensor, total: int, config: FinetuneConfig,
) -> None:
    optimiser = torch.optim.AdamW([
        {"params": encoder.top.parameters(), "lr": config.learning_rate},
        {"params": [classes], "lr": config.head_learning_rate},
    ], weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: max(0.0, 1 - step / total))
    generator = torch.Generator().manual_seed(config.seed)
    encoder.top.train()
    step = 0
    while step < total:
        for batch in _batches(states, config.batch_size, generator):
            if step == total:
                break
            embedded = encoder.pool([states[i] for i in batch])
            logits = config.scale * embedded @ F.normalize(classes, dim=-1).T
            loss = F.cross_entropy(logits, target[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
    # Drop the last step's gradients and stop tracking: a fit that serves for hours would keep
    # them (the size of the tuned layers) alive for nothing.
    optimiser.zero_grad(set_to_none=True)
    encoder.top.requires_grad_(False)
    encoder.top.eval()
