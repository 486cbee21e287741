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


def confusion_plot(counts: np.ndarray, class_names: list[str], title: str) -> plt.Figure:
    """Row-normalised confusion matrix (true class per row) with the counts written in."""
    n = len(class_names)
    rates = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * n, 0.8 + 0.5 * n))
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=6,
                        color="white" if rates[i, j] > 0.5 else "black")
    ax.set_xticks(range(n), class_names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(n), class_names, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{title}\ntop-1 {np.trace(counts) / max(counts.sum(), 1):.3f}", fontsize=9)
    fig.tight_layout()
    return fig


def detections_plot(images: list[np.ndarray], truths: list[dict], predictions: list[dict],
                    categories: list[str], title: str, score_threshold: float = 0.5) -> plt.Figure:
    """Images with true boxes (green, dashed) and predicted boxes (red, with class and score):
    every prediction scoring ``score_threshold`` or more, and at least the best ones, as many
    as there are true boxes, so a young detector's guesses show too."""
    cols = max(1, min(len(images), 3))
    rows = max(1, -(-len(images) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, img, truth, pred in zip(axes.flat, images, truths, predictions):
        ax.imshow(img.squeeze(-1) if img.shape[-1] == 1 else img, cmap="gray")
        for x0, y0, x1, y1 in truth["boxes"]:
            ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="lime", ls="--", lw=1))
        order = np.argsort(-np.asarray(pred["scores"]))
        shown = [i for rank, i in enumerate(order) if rank < len(truth["boxes"]) or pred["scores"][i] >= score_threshold]
        for i in shown:
            x0, y0, x1, y1 = pred["boxes"][i]
            ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="red", lw=1))
            ax.text(x0, y0, f"{categories[int(pred['labels'][i]) - 1]} {pred['scores'][i]:.2f}", color="white",
                    fontsize=5, va="bottom", bbox={"facecolor": "red", "alpha": 0.6, "pad": 0.5, "lw": 0})
    fig.suptitle(f"{title}\ngreen dashed: truth; red: predicted (score >= {score_threshold}, or the best "
                 "as many as the true boxes)", fontsize=8)
    fig.tight_layout()
    return fig


def grouped_bars(table, std, title: str, ylabel: str) -> plt.Figure:
    """Grouped bar chart of a (rows: groups on the x axis, columns: bars) mean table, with
    error bars from ``std``, a table of the same shape (or None)."""
    groups, series = list(table.index), list(table.columns)
    width = 0.8 / max(len(series), 1)
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(groups) * max(1, len(series) / 3)), 4))
    x = np.arange(len(groups))
    for i, s in enumerate(series):
        err = std[s].fillna(0).to_numpy() if std is not None else None
        bars = ax.bar(x + (i - (len(series) - 1) / 2) * width, table[s].to_numpy(), width, yerr=err,
                      capsize=2, label=s)
        ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
    ax.set_xticks(x, groups, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.08)
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=min(len(series), 4))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig
