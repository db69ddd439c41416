"""The widget's own code stays under its size budget (minified and gzipped, socket.io aside)."""

from __future__ import annotations

import re
import subprocess
import sys

from infra.settings import REPO_ROOT


def test_the_widget_minified_and_gzipped_is_under_40_kb():
    result = subprocess.run([sys.executable, str(REPO_ROOT / "widget" / "check_size.py")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    packed = int(re.search(r"([\d,]+) B minified\+gzipped", result.stdout).group(1).replace(",", ""))
    assert 1_000 < packed <= 40 * 1024  # a tiny figure would mean terser produced nothing
