"""Each Redis key has one home: its spelling appears in the one module that owns the data.

Other modules call the owner's key function or constant (privacy.erasure deletes through them), so a
renamed key can't leave a stale copy behind. Scans the application's string literals (f-strings too,
docstrings not) for the key namespaces below.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["actions", "bench", "conversation", "customers", "desk", "detection", "handoff", "infra", "kb",
            "launcher", "notices", "privacy", "protocol", "rasa_ext", "reports"]
# The key namespaces this product writes to Redis (Rasa's tracker keys: privacy.erasure only).
KEY = re.compile(r"^(?:contacts?|flagged|handoff|kb|desk|notices|feedback|turns|tracker):[\w:-]*|^:log$")


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    nodes = [n for n in ast.walk(tree) if isinstance(n, kinds)]
    return {id(n.body[0].value) for n in nodes
            if n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}


def key_spellings() -> dict[str, set[str]]:
    """Each key spelling (a literal, or an f-string's literal part) -> the modules that spell it."""
    found: dict[str, set[str]] = defaultdict(set)
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip = _docstrings(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                    match = KEY.match(node.value)
                    if match:
                        found[match.group(0)].add(str(path.relative_to(ROOT)))
    return found


def test_every_redis_key_is_spelled_in_one_module() -> None:
    spellings = key_spellings()
    assert "handoff:" in spellings and "kb:entries" in spellings  # the scan sees the keys at all
    shared = {key: sorted(modules) for key, modules in spellings.items() if len(modules) > 1}
    assert shared == {}, "these keys are spelled in more than one module; use the owner's key function"
