"""Reports the widget's size minified and gzipped, and fails above the budget.

Run with `.venv/bin/python widget/check_size.py` after `npm ci --prefix widget`: it minifies
widget/src/widget.js with terser (pinned in widget/package.json as a devDependency), gzips the
result at level 9, and exits 1 when it is over 40 KB. The socket.io client is not counted.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

WIDGET = Path(__file__).resolve().parent
SOURCE = WIDGET / "src" / "widget.js"
TERSER = WIDGET / "node_modules" / "terser" / "bin" / "terser"
BUDGET = 40 * 1024


def minified(source: Path) -> bytes:
    """The source minified by terser (compress + mangle)."""
    if not TERSER.exists():
        sys.exit(f"{TERSER} is missing: run `npm ci --prefix widget` first")
    return subprocess.run(["node", str(TERSER), str(source), "--compress", "--mangle"],
                          check=True, capture_output=True).stdout


def main() -> None:
    raw = SOURCE.read_bytes()
    small = minified(SOURCE)
    packed = gzip.compress(small, compresslevel=9)
    print(f"{SOURCE.relative_to(WIDGET.parent)}: {len(raw):,} B source, {len(small):,} B minified, "
          f"{len(packed):,} B minified+gzipped (budget {BUDGET:,} B)")
    if len(packed) > BUDGET:
        sys.exit("over budget")


if __name__ == "__main__":
    main()
