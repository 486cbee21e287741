"""Figures the pipelines save: crop previews, training curves, histograms."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from swav_pipeline.swav.multicrop import BatchMultiCrop, to_float  # noqa: E402


def _show(ax, img: torch.Tensor | np.ndarray, title: str = "") -> None:
    arr = img.permute(1, 2, 0).numpy() if isinstance(img, torch.Tensor) else img
    arr = np.clip(arr, 0, 1)
    ax.imshow(arr.squeeze(-1) if arr.shape[-1] == 1 else arr, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize=7)
    ax.axis("off")


def crop_preview(images: np.ndarray, multicrop: BatchMultiCrop, seed: int = 0) -> plt.Figure:
    """A grid: each row an image, then its multi-crop views (before normalisation)."""
    g = torch.Generator().manual_seed(seed)
    x = to_float(torch.from_numpy(np.ascontiguousarray(images)))
    spec = multicrop.spec
    views = [multicrop.crop(x, s, sc, g) for s, sc in zip(spec.crop_sizes, spec.crop_scales)]
    rows, cols = len(images), 1 + len(views)
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.3 * rows), squeeze=False)
    for r in range(rows):
        _show(axes[r, 0], x[r], "original" if r == 0 else "")
        for c, v in enumerate(views, start=1):
            _show(axes[r, c], v[r], f"crop {c} ({v.shape[-1]}px)" if r == 0 else "")
    fig.suptitle("Multi-crop views (each image and crop draws its own parameters)", fontsize=9)
    fig.tight_layout()
    return fig


def curves(history: list[dict], keys: list[str], title: str) -> plt.Figure:
    """One panel per metric key against epoch."""
    keys = [k for k in keys if any(k in h for h in history)]
    fig, axes = plt.subplots(1, max(len(keys), 1), figsize=(4 * max(len(keys), 1), 3), squeeze=False)
    for ax, k in zip(axes[0], keys):
        pts = [(h["epoch"], h[k]) for h in history if k in h]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o")
        ax.set_xlabel("epoch")
        ax.set_title(k)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def histogram(values: np.ndarray, title: str, xlabel: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(np.arange(len(values)), values, width=1.0)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig
