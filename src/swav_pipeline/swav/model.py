"""The SwAV network: backbone, projection head, L2 normalisation, prototypes."""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from .backbones import Backbone


class SwAVModel(nn.Module):
    def __init__(self, backbone: Backbone, hidden_mlp: int = 2048, feat_dim: int = 128,
                 nmb_prototypes: int = 3000):
        super().__init__()
        self.backbone = backbone
        dim = backbone.num_features
        if hidden_mlp > 0:
            self.projection_head = nn.Sequential(
                nn.Linear(dim, hidden_mlp), nn.BatchNorm1d(hidden_mlp), nn.ReLU(inplace=True),
                nn.Linear(hidden_mlp, feat_dim),
            )
        else:
            self.projection_head = nn.Linear(dim, feat_dim)
        self.prototypes = nn.Linear(feat_dim, nmb_prototypes, bias=False)
        self.normalize_prototypes()

    @torch.no_grad()
    def normalize_prototypes(self) -> None:
        """Keep every prototype on the unit sphere (done before each step)."""
        w = self.prototypes.weight
        w.copy_(F.normalize(w, dim=1, p=2))

    def forward(self, crops: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Embed all crops with one backbone pass per run of equal-sized crops.

        Returns (embeddings, scores) for the crops concatenated in order: (V*B, feat_dim)
        L2-normalised and (V*B, K).
        """
        feats, start = [], 0
        sizes = [c.shape[-1] for c in crops]
        while start < len(crops):
            end = start
            while end < len(crops) and sizes[end] == sizes[start]:
                end += 1
            feats.append(self.backbone(torch.cat(crops[start:end])))
            start = end
        z = F.normalize(self.projection_head(torch.cat(feats)), dim=1, p=2)
        return z, self.prototypes(z)
