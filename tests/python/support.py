"""Helpers the tests share (pytest puts this folder on sys.path)."""

from __future__ import annotations

from pathlib import Path

from loaders.generate import Params, generate

SMALL = Params(seed=7, start="2025-11-20", days=10, orders_per_day=25, products=60, customers=300, format="csv")


def make_sample(root: Path, **changes: object) -> Path:
    params = Params(**{**SMALL.__dict__, **changes})
    generate(root, params, progress=False)
    return root
