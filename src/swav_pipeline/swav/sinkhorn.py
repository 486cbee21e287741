"""Sinkhorn-Knopp: soft assignments of a batch to prototypes under equal partition."""

from __future__ import annotations

import torch
import torch.distributed as dist


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def _all_reduce(t: torch.Tensor, op=None) -> torch.Tensor:
    if _distributed():
        dist.all_reduce(t, op=op or dist.ReduceOp.SUM)
    return t


@torch.no_grad()
def sinkhorn(scores: torch.Tensor, epsilon: float = 0.05, iterations: int = 3) -> torch.Tensor:
    """Codes Q for a (B, K) score matrix, as in Algorithm 1 of the SwAV paper.

    Returns a (B, K) tensor whose rows each sum to 1; the prototype marginals are pushed
    towards uniform (each prototype gets B/K of the batch). When a process group is
    running, the sums are all-reduced so the result equals that of the concatenated
    batch of all ranks. Computed in float32 whatever the input precision; the global
    maximum is subtracted before ``exp`` (the normalisation removes it exactly).
    """
    if scores.ndim != 2:
        raise ValueError(f"scores must be (B, K), got shape {tuple(scores.shape)}")
    if epsilon <= 0 or iterations < 1:
        raise ValueError(f"need epsilon > 0 and iterations >= 1, got {epsilon}, {iterations}")
    s = scores.float()
    peak = _all_reduce(s.max(), dist.ReduceOp.MAX)
    q = torch.exp((s - peak) / epsilon).t()  # K x B
    n_batch = torch.tensor(float(q.shape[1]), device=q.device)
    n_batch = _all_reduce(n_batch)
    k = q.shape[0]
    q /= _all_reduce(q.sum())
    for _ in range(iterations):
        q /= _all_reduce(q.sum(dim=1, keepdim=True))  # rows: each prototype gets 1/K
        q /= k
        q /= q.sum(dim=0, keepdim=True)  # columns: each sample's codes sum to 1/B
        q /= n_batch
    q *= n_batch
    return q.t()
