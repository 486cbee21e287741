"""Frozen-feature extraction from packed uint8 images."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from swav_pipeline.swav.multicrop import normalise_batch


@torch.no_grad()
def extract_features(model: nn.Module, images: np.ndarray, mean: list[float], std: list[float],
                     batch_size: int = 512, device: str | torch.device = "cpu") -> torch.Tensor:
    """Pooled backbone features (N, D) for (N, H, W, C) uint8 images, in eval mode."""
    was_training = model.training
    model.eval()
    out = []
    for start in range(0, len(images), batch_size):
        batch = torch.from_numpy(np.array(images[start:start + batch_size]))
        x = normalise_batch(batch, mean, std).to(device).contiguous(memory_format=torch.channels_last)
        out.append(model(x).float().cpu())
    model.train(was_training)
    return torch.cat(out) if out else torch.empty(0)
