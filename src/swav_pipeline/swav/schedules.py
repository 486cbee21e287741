"""Per-iteration learning-rate schedules."""

from __future__ import annotations

import numpy as np


def warmup_cosine(base_lr: float, final_lr: float, epochs: int, iters_per_epoch: int,
                  warmup_epochs: float = 0, start_warmup: float = 0.0) -> np.ndarray:
    """Linear warm-up from ``start_warmup`` to ``base_lr``, then cosine down to ``final_lr``.

    One value per iteration (``epochs * iters_per_epoch``), as in the official SwAV code.
    """
    warm = int(round(warmup_epochs * iters_per_epoch))
    total = epochs * iters_per_epoch
    if warm > total:
        raise ValueError(f"warm-up ({warmup_epochs} epochs) is longer than training ({epochs} epochs)")
    warmup = np.linspace(start_warmup, base_lr, warm, endpoint=False) if warm else np.empty(0)
    t = np.arange(total - warm)
    cosine = final_lr + 0.5 * (base_lr - final_lr) * (1 + np.cos(np.pi * t / max(total - warm, 1)))
    return np.concatenate([warmup, cosine])
