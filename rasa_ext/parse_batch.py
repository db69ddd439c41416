"""Parses every row of a CSV with a trained Rasa model and writes the NLU intents as JSON lines.

Runs in the Rasa venv (the app venv has no Rasa), for offline evaluation such as `make eval`:

    PYTHONPATH=. .venv-rasa/bin/python -m rasa_ext.parse_batch MODEL CSV_IN JSONL_OUT \
        --text-column utterance

Each output line is {"text": ..., "intent": ..., "confidence": ...}, in the order of the CSV.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

# Set before Rasa is imported: Rasa reads it at import and when loading the model.
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

BATCH_SIZE = 64


async def parse_texts(model: str, texts: list[str]) -> list[dict[str, Any]]:
    """Loads the model once and parses every text with Rasa's NLU pipeline.

    Args:
        model: path of a trained model archive (e.g. models/current.tar.gz).
        texts: the messages to parse.

    Returns:
        One {"text", "intent", "confidence"} dict per text, in order.
    """
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every parsed message at debug level by default: thousands of lines here.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(model)
    results: list[dict[str, Any]] = []
    # Parsing is CPU-bound, so batches only bound the number of pending coroutines.
    for start in range(0, len(texts), BATCH_SIZE):
        batch = texts[start : start + BATCH_SIZE]
        parsed = await asyncio.gather(*(agent.parse_message(text) for text in batch))
        for text, data in zip(batch, parsed, strict=True):
            intent = data.get("intent") or {}
            results.append(
                {"text": text, "intent": intent.get("name"), "confidence": intent.get("confidence")}
            )
        print(f"parsed {len(results)}/{len(texts)}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="trained Rasa model archive")
    parser.add_argument("csv_in", type=Path, help="CSV file with one message per row")
    parser.add_argument("jsonl_out", type=Path, help="where to write one JSON object per row")
    parser.add_argument("--text-column", default="text", help="CSV column holding the message")
    args = parser.parse_args(argv)

    # utf-8-sig: bitext-style CSVs start with a byte-order mark on the header.
    with args.csv_in.open(encoding="utf-8-sig", newline="") as handle:
        texts = [row[args.text_column] for row in csv.DictReader(handle)]
    results = asyncio.run(parse_texts(args.model, texts))
    args.jsonl_out.parent.mkdir(parents=True, exist_ok=True)
    with args.jsonl_out.open("w", encoding="utf-8") as out:
        for result in results:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
