"""Deterministic, seeded, stratified splits."""

from __future__ import annotations

import numpy as np


def stratified_holdout(labels: np.ndarray, fraction: float | None = None,
                       per_class: int | None = None, seed: int = 0) -> np.ndarray:
    """Return a boolean mask of held-out items, stratified by label.

    Give either ``fraction`` (of each class) or ``per_class`` (a count from each class).
    Unlabeled items (label < 0) are held out at random with ``fraction`` only. The same
    labels and seed always give the same mask.
    """
    if (fraction is None) == (per_class is None):
        raise ValueError("give exactly one of fraction and per_class")
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    held = np.zeros(len(labels), dtype=bool)
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        if cls < 0 and per_class is not None:
            continue
        k = round(len(members) * fraction) if fraction is not None else min(per_class, len(members) - 1)
        held[rng.permutation(members)[:max(k, 0)]] = True
    return held
