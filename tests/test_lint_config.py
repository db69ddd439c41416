"""`make lint` covers every application package: a new one must be given its layer (import-linter can't
require that itself) and be in the Makefile's PACKAGES, which ruff and mypy check."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_has_a_layer_and_is_linted() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = set(config["tool"]["setuptools"]["packages"]) | {"rasa_ext"}  # rasa_ext runs in Rasa's venv
    importlinter = config["tool"]["importlinter"]
    assert set(importlinter["root_packages"]) == packages
    layers = next(c["layers"] for c in importlinter["contracts"] if c["type"] == "layers")
    in_layers = [name.strip() for layer in layers for name in re.split(r"[|:]", layer)]
    assert sorted(in_layers) == sorted(packages)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    linted = re.search(r"^PACKAGES := (.*)$", makefile, re.M)
    assert linted and set(linted.group(1).split()) | {"rasa_ext"} == packages
