"""Retrieval knobs and decision thresholds, read from kb/retrieval.yml (the reasoning lives there)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("retrieval.yml")


@dataclass(frozen=True)
class FinetuneConfig:
    """How the top transformer layers are fitted to the KB's own question variants at build time."""

    enabled: bool
    tuned_layers: int
    epochs: int
    max_steps: int
    batch_size: int
    learning_rate: float
    head_learning_rate: float
    scale: float
    include_titles: bool
    seed: int


@dataclass(frozen=True)
class Thresholds:
    """When a ranked list of hits becomes an answer, a clarifying question or "don't know"."""

    answer_min: float
    answer_margin: float
    clarify_min: float
    clarify_window: float
    clarify_max: int


@dataclass(frozen=True)
class RetrievalConfig:
    """Everything that shapes the index and the decision; part of the index cache key."""

    finetune: FinetuneConfig
    nearest_variant_weight: float
    max_tokens: int
    thresholds: Thresholds

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> RetrievalConfig:
        """Read a config file; every setting must be given (the file is the one source of values)."""
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RetrievalConfig:
        """Build from a mapping shaped like retrieval.yml."""
        raw = dict(raw)
        finetune = _build(FinetuneConfig, raw.pop("finetune", {}))
        thresholds = _build(Thresholds, raw.pop("thresholds", {}))
        return _build(cls, raw, finetune=finetune, thresholds=thresholds)


def _build(kind: type, raw: dict[str, Any], **nested: Any) -> Any:
    known = {f.name for f in fields(kind)}
    unknown, missing = set(raw) - known, known - set(raw) - set(nested)
    if unknown or missing:
        raise ValueError(f"{kind.__name__}: unknown settings {sorted(unknown)}, missing {sorted(missing)}")
    return kind(**raw, **nested)
