"""How confident a patched entry is before the refit, against after it: the measurement behind
kb.index.patch_discount.

For each size: a synthetic KB (bench.kb_synthetic) is fitted; NEW new entries are patched in and
each asked a paraphrase (a question pattern it does not store, about its topic); then the KB with
them is refitted and asked the same. Reported per size: the patched score without its discount
less the refitted score (positive: over-confident before the refit), and how many paraphrases each
index answered with their new entry first, the patched one with its discount.
`python -m bench.kb_discount [SIZES...]` (default 800 and 3,000: below and above the fit's
training sample of 1,000 entries); writes .data/bench/kb_discount.md. Minutes per size.
"""

from __future__ import annotations

import random
import statistics
import sys
from pathlib import Path

from bench.kb_common import OUT
from bench.kb_synthetic import PATTERNS, VERBS, customer_phrasing, edit, synthetic_kb
from infra.settings import load_settings
from kb.encoder import Encoder
from kb.entry import Entry
from kb.index import PATCH_DISCOUNT, Fit, RetrievalIndex, patch_discount
from kb.retrieval_config import RetrievalConfig

SIZES = (800, 3_000)
NEW = 30


def paraphrase(entry: Entry, rng: random.Random) -> str:
    """A question about `entry`'s topic in a pattern none of its stored questions uses."""
    a, b = entry.tags
    unused = [p for p in PATTERNS if not any(q.startswith(p.split("{")[0]) for q in entry.questions)]
    return customer_phrasing(rng.choice(unused).format(a=a, b=b, verb=rng.choice(VERBS)))


def measure(size: int, encoder: Encoder, config: RetrievalConfig, model_dir: Path) -> str:
    """One size's report line."""
    entries = synthetic_kb(size, model_dir)
    new = [edit(None, n, model_dir)[0] for n in range(NEW)]
    rng = random.Random(9)
    asked = [paraphrase(entry, rng) for entry in new]
    fitted = Fit.make(entries, encoder, config)
    discount = patch_discount(len(fitted.ids))
    patched = RetrievalIndex(fitted, config).patched({e.id: e for e in new})
    refitted = RetrievalIndex.build(entries + new, encoder, config)
    excess: list[float] = []
    first = {"patched": 0, "refitted": 0}
    for entry, question in zip(new, asked, strict=True):
        before, after = patched.search(question, 10), refitted.search(question, 10)
        scores = [next((h.score for h in hits if h.entry_id == entry.id), None) for hits in (before, after)]
        if scores[0] is not None and scores[1] is not None:
            excess.append(scores[0] + discount - scores[1])
        first["patched"] += before[0].entry_id == entry.id
        first["refitted"] += after[0].entry_id == entry.id
    return (f"| {size:,} | {discount / PATCH_DISCOUNT:.2f} | {statistics.mean(excess):+.3f} "
            f"({min(excess):+.3f} to {max(excess):+.3f}) | {discount:.3f} | "
            f"{first['patched']} / {first['refitted']} of {NEW} |")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or list(SIZES)
    settings = load_settings()
    encoder = Encoder(settings.embedding_model, settings.torch_threads)
    config, model_dir = RetrievalConfig.load(), Path(settings.embedding_model)
    lines = [
        "# A patched entry's confidence before the refit", "",
        "| entries | share trained on | patched (undiscounted) - refitted score: mean (range) "
        "| discount now | first place: patched / refitted |",
        "| ---: | ---: | --- | ---: | --- |",
    ]
    for size in sizes:
        lines.append(measure(size, encoder, config, model_dir))
        print(lines[-1], flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "kb_discount.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
