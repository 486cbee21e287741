"""The swapped-prediction loss."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from .sinkhorn import sinkhorn


def swav_loss(
    scores: Sequence[torch.Tensor],
    crops_for_assign: Sequence[int] = (0, 1),
    temperature: float = 0.1,
    epsilon: float = 0.05,
    iterations: int = 3,
) -> torch.Tensor:
    """The SwAV loss of a list of (B, K) prototype scores, one per crop in crop order (no queue)."""
    return swapped_prediction(scores, crops_for_assign, temperature, epsilon, iterations)[0]


def swapped_prediction(
    scores: Sequence[torch.Tensor],
    crops_for_assign: Sequence[int] = (0, 1),
    temperature: float = 0.1,
    epsilon: float = 0.05,
    iterations: int = 3,
    queue_scores: Sequence[torch.Tensor | None] | None = None,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Swapped prediction over ``crops_for_assign``; returns (loss, codes per assignment crop).

    ``scores[v]`` is the (B, K) prototype scores of crop ``v`` (crops in order). For each
    assignment crop, codes come from Sinkhorn on its scores (preceded by the queue's scores
    when given) and every other crop predicts them with a softmax at ``temperature``; the
    cross-entropies are averaged over the other crops, then over the assignment crops.
    """
    n_crops = len(scores)
    if n_crops < 2:
        raise ValueError("swapped prediction needs at least 2 crops")
    if not crops_for_assign or any(not 0 <= c < n_crops for c in crops_for_assign):
        raise ValueError(f"crops_for_assign {list(crops_for_assign)} must index crops 0..{n_crops - 1}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    total = scores[0].new_zeros(())
    codes = []
    for i, crop in enumerate(crops_for_assign):
        with torch.no_grad():
            out = scores[crop].detach()
            extra = queue_scores[i] if queue_scores is not None else None
            if extra is not None:
                out = torch.cat([extra.to(out.dtype), out])
            q = sinkhorn(out, epsilon, iterations)[-scores[crop].shape[0]:]
        codes.append(q)
        sub = scores[0].new_zeros(())
        for v in range(n_crops):
            if v != crop:
                logp = F.log_softmax(scores[v].float() / temperature, dim=1)
                sub = sub - (q * logp).sum(dim=1).mean()
        total = total + sub / (n_crops - 1)
    return total / len(crops_for_assign), codes
