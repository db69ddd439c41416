"""Resident memory of a serving process over many refits: each edit of the sample KB leads to one.

Runs a KnowledgeBase (the action server's) on a throw-away Redis, edits one entry's questions,
waits until the refit of that content serves, and records the RSS; EDITS times. Prints the
figures and plots .data/bench/kb_refits.png. `python -m bench.kb_refits [EDITS [ENTRIES]]`: ENTRIES
keeps only the first entries of the sample KB (each refit is quicker; what a refit allocates apart
from the texts' states, the tuned layers, their optimiser and tokenizer copy, is the same).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time

from bench.kb_common import OUT, client, peak_rss_mb, rss_mb, sample_kb, throwaway_redis, wait_until
from bench.report import plt
from infra.settings import load_settings
from kb.encoder import Encoder
from kb.fits import FitStore
from kb.retrieval_config import RetrievalConfig
from kb.service import KnowledgeBase
from kb.store import KBStore

EDITS = 50
REFIT_AFTER = 0.2  # seconds: each edit is refitted at once (the default waits for quiet)


def rss_over_refits(edits: int, size: int | None = None) -> list[float]:
    """RSS (MB) after the first fit, then after each edit's refit."""
    settings = load_settings()
    config = RetrievalConfig.load()
    encoder = Encoder(settings.embedding_model, settings.torch_threads)
    entries = sample_kb()[:size]
    with throwaway_redis() as url:
        store = KBStore(client(url))
        store.save(entries, replace=True)
        fits = FitStore(store.client, encoder, config)
        kb = KnowledgeBase(store, encoder, config, refit_after=REFIT_AFTER)
        try:
            kb.ask("warm up")
            rss = [rss_mb()]
            for n in range(edits):
                original = entries[n % len(entries)]
                store.save([dataclasses.replace(original, questions=original.questions + (f"{original.title} ({n})",))])
                wanted = fits.key_for(list(store.snapshot().entries.values()))

                def refitted(key: str = wanted) -> bool:
                    return kb.fit_key() == key
                seconds = wait_until(refitted, 600, f"refit {n + 1}")
                rss.append(rss_mb())
                print(f"edit {n + 1:3d}: refit served after {seconds:5.1f} s, RSS {rss[-1]:7.1f} MB", flush=True)
        finally:
            kb.close()
    return rss


def plot(rss: list[float], label: str) -> str:
    figure, axes = plt.subplots(figsize=(8, 3))
    axes.plot(range(len(rss)), rss, marker=".")
    axes.set_xlabel("refits (one per edit)")
    axes.set_ylabel("RSS, MB")
    axes.set_title(f"Serving process RSS over refits ({label})")
    figure.tight_layout()
    path = OUT / "kb_refits.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path.name


def main() -> None:
    edits = int(sys.argv[1]) if len(sys.argv) > 1 else EDITS
    size = int(sys.argv[2]) if len(sys.argv) > 2 else None
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rss = rss_over_refits(edits, size)
    label = f"{size or 'all'} sample entries, MALLOC_ARENA_MAX={os.environ.get('MALLOC_ARENA_MAX', 'unset')}"
    print(f"\nRSS by refit: {' '.join(f'{r:.0f}' for r in rss)}")
    print(f"RSS after the first fit {rss[0]:.0f} MB, after {edits} refits {rss[-1]:.0f} MB "
          f"(+{rss[-1] - rss[0]:.0f} MB; after 10: +{rss[min(10, edits)] - rss[0]:.0f} MB), "
          f"peak {peak_rss_mb():.0f} MB; "
          f"{label}; {time.monotonic() - started:.0f} s. Plot: {OUT / plot(rss, label)}")


if __name__ == "__main__":
    main()
