"""Summaries and the Markdown report with plots, shared by the benchmarks."""

from __future__ import annotations

import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen here
import matplotlib.pyplot as plt


def summary(samples_ms: list[float]) -> dict[str, float]:
    """Median, 95th percentile and count of latencies in milliseconds."""
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p95": p95, "n": float(len(ordered))}


def table(rows: dict[str, list[float]]) -> str:
    """A Markdown table of median / p95 / n per row."""
    lines = ["| what | median ms | p95 ms | n |", "| --- | ---: | ---: | ---: |"]
    for name, samples in rows.items():
        s = summary(samples)
        lines.append(f"| {name} | {s['median']:.1f} | {s['p95']:.1f} | {int(s['n'])} |")
    return "\n".join(lines)


def boxplot(rows: dict[str, list[float]], title: str, path: Path) -> Path:
    """A box plot of the samples per row, saved as PNG."""
    figure, axes = plt.subplots(figsize=(8, 3 + 0.4 * len(rows)))
    axes.boxplot(list(rows.values()), vert=False, showfliers=True)
    axes.set_yticks(range(1, len(rows) + 1), list(rows))
    axes.set_xlabel("milliseconds")
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def lines_plot(xs: list[int], series: dict[str, list[float]], title: str, xlabel: str, ylabel: str,
               path: Path) -> Path:
    """One line per series over the same x values, saved as PNG."""
    figure, axes = plt.subplots(figsize=(7, 4))
    for name, ys in series.items():
        axes.plot(xs, ys, marker="o", label=name)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
