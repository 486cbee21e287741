"""Weighted k-nearest-neighbour classification on cosine similarity (Wu et al., 2018)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


@torch.no_grad()
def knn_predict(train_features: torch.Tensor, train_labels: torch.Tensor, test_features: torch.Tensor,
                k: int = 20, temperature: float = 0.07, num_classes: int | None = None,
                chunk: int = 1024) -> torch.Tensor:
    """Class scores (N_test, C): each of the ``k`` most similar training samples votes for its
    label with weight ``exp(similarity / temperature)``."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    num_classes = num_classes or int(train_labels.max()) + 1
    bank = F.normalize(train_features.float(), dim=1)
    k = min(k, len(bank))
    out = []
    for start in range(0, len(test_features), chunk):
        q = F.normalize(test_features[start:start + chunk].float(), dim=1)
        sim, idx = (q @ bank.t()).topk(k, dim=1)
        weights = (sim / temperature).exp()
        votes = torch.zeros(len(q), num_classes)
        votes.scatter_add_(1, train_labels[idx].long(), weights)
        out.append(votes)
    return torch.cat(out)


def knn_accuracy(train_features, train_labels, test_features, test_labels, k: int = 20,
                 temperature: float = 0.07) -> float:
    scores = knn_predict(train_features, train_labels, test_features, k, temperature)
    return float((scores.argmax(1) == test_labels).float().mean())
