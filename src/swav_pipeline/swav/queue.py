"""The embedding queue that gives Sinkhorn enough samples when batches are small."""

from __future__ import annotations

import torch


class EmbeddingQueue:
    """Per assignment crop, the last ``length`` embeddings of this rank (newest first).

    Scores for the queue are recomputed with the current prototypes at every step, as in
    the official code; the queue is only used once it is full (its last row is non-zero).
    """

    def __init__(self, n_assign: int, length: int, feat_dim: int, device=None):
        self.embeddings = torch.zeros(n_assign, length, feat_dim, device=device)

    @property
    def full(self) -> bool:
        return bool((self.embeddings[:, -1] != 0).any())

    def scores(self, prototypes: torch.Tensor) -> list[torch.Tensor | None]:
        if not self.full:
            return [None] * self.embeddings.shape[0]
        return [e @ prototypes.t() for e in self.embeddings]

    @torch.no_grad()
    def push(self, new: list[torch.Tensor]) -> None:
        """Insert one batch of embeddings per assignment crop at the front."""
        for i, z in enumerate(new):
            b = z.shape[0]
            self.embeddings[i, b:] = self.embeddings[i, :-b].clone()
            self.embeddings[i, :b] = z.detach().float()

    def state_dict(self) -> dict:
        return {"embeddings": self.embeddings}

    def load_state_dict(self, state: dict) -> None:
        self.embeddings.copy_(state["embeddings"])
