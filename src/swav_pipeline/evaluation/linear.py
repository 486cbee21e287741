"""Linear probe on frozen features."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def train_linear_probe(train_x: torch.Tensor, train_y: torch.Tensor, epochs: int = 100, lr: float = 0.3,
                       weight_decay: float = 1e-6, batch_size: int = 256, seed: int = 0,
                       num_classes: int | None = None) -> tuple[nn.Linear, callable]:
    """SGD (momentum 0.9, cosine lr) on precomputed features; returns (layer, feature transform).

    Features are centred and scaled by their train-set statistics first (a non-affine
    BatchNorm folded into the probe, as in MAE's linear protocol).
    """
    num_classes = num_classes or int(train_y.max()) + 1
    mean, std = train_x.mean(0), train_x.std(0).clamp(min=1e-6)
    x = (train_x - mean) / std
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    layer = nn.Linear(x.shape[1], num_classes)
    opt = torch.optim.SGD(layer.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    steps = epochs * int(np.ceil(len(x) / batch_size))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for start in range(0, len(x), batch_size):
            idx = perm[start:start + batch_size]
            loss = loss_fn(layer(x[idx]), train_y[idx].long())
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return layer, lambda f: (f - mean) / std


@torch.no_grad()
def topk_accuracy(logits: torch.Tensor, labels: torch.Tensor, ks=(1, 5)) -> dict[str, float]:
    """``top<k>`` for each k; with fewer than k classes every class counts (accuracy 1)."""
    top = logits.topk(min(max(ks), logits.shape[1]), dim=1).indices
    hits = top == labels.view(-1, 1)
    return {f"top{k}": float(hits[:, :k].any(1).float().mean()) for k in ks}


def linear_probe_accuracy(train_x, train_y, test_x, test_y, **kwargs) -> dict[str, float]:
    layer, transform = train_linear_probe(train_x, train_y, **kwargs)
    with torch.no_grad():
        return topk_accuracy(layer(transform(test_x)), test_y)
