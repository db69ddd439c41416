"""The widget (JavaScript, which cannot import Python) renders exactly the payload types protocol.widget names."""

from __future__ import annotations

import re
from pathlib import Path

from protocol import widget

WIDGET_JS = Path(__file__).resolve().parents[2] / "widget" / "src" / "widget.js"


def test_widget_renders_every_type_and_no_other() -> None:
    source = WIDGET_JS.read_text(encoding="utf-8")
    rendered = set(re.findall(r"p\.type === '([a-z_]+)'", source))
    assert rendered == widget.MESSAGE_TYPES
