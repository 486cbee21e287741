"""Packed image storage: decoded once, resized once, uint8, memory-mappable.

A packed store is a folder: ``<split>_images.npy`` (N, S, S, C) uint8, ``<split>_labels.npy``
(N,) int64 and ``meta.json`` (store size, channels, class names, per-channel mean/std of the
train split in [0, 1] units). Writing streams chunk by chunk through ``open_memmap``, so a
store larger than RAM can be built; reading maps the files instead of loading them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .images import decode_file


def resize_short_center(pixels: np.ndarray, size: int) -> np.ndarray:
    """Resize so the short side is ``size`` (antialiased), then centre-crop to a square."""
    h, w, c = pixels.shape
    if h == w == size:
        return pixels
    img = Image.fromarray(pixels.squeeze(-1) if c == 1 else pixels)
    scale = size / min(h, w)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    img = img.resize((nw, nh), Image.BILINEAR, reducing_gap=None)
    left, top = (nw - size) // 2, (nh - size) // 2
    out = np.asarray(img.crop((left, top, left + size, top + size)))
    return out[:, :, None] if out.ndim == 2 else out


@dataclass
class SplitSource:
    """A lazy split: ``n`` images produced chunk by chunk by ``load(start, stop)``."""

    n: int
    size: int
    channels: int
    load: Callable[[int, int], np.ndarray]
    labels: np.ndarray

    def chunks(self, chunk: int = 2048) -> Iterator[tuple[int, np.ndarray]]:
        for start in range(0, self.n, chunk):
            yield start, self.load(start, min(start + chunk, self.n))


def split_from_rows(raw: np.ndarray, paths: list[str], indices: np.ndarray, labels: np.ndarray,
                    size: int, channels: int) -> SplitSource:
    """Rows of a manifest as a lazy split: array rows by index, or files by path."""

    def load(start: int, stop: int) -> np.ndarray:
        out = np.empty((stop - start, size, size, channels), np.uint8)
        for j in range(start, stop):
            if indices[j] >= 0:
                px = np.asarray(raw[indices[j]])
            else:
                px = decode_file(paths[j], channels=channels).pixels
                if px is None:
                    raise OSError(f"{paths[j]} became unreadable after ingestion")
            if px.shape[-1] != channels:
                px = np.repeat(px, channels, axis=-1) if px.shape[-1] == 1 else px.mean(-1, keepdims=True).astype(np.uint8)
            out[j - start] = resize_short_center(px, size)
        return out

    return SplitSource(len(indices), size, channels, load, np.asarray(labels, np.int64))


@dataclass
class PackedSplits:
    """A packed store opened for reading."""

    images: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    meta: dict
    root: str = ""

    def __reduce__(self):
        # Worker processes reopen the memory maps instead of receiving copies of the pixels.
        return (read_packed, (self.root,))

    @property
    def mean(self) -> list[float]:
        return self.meta["mean"]

    @property
    def std(self) -> list[float]:
        return self.meta["std"]

    @property
    def class_names(self) -> list[str]:
        return self.meta["class_names"]


def write_packed(root: str | Path, splits: dict[str, SplitSource], meta: dict,
                 stats_split: str = "train") -> dict:
    """Stream ``splits`` into ``root``; returns the meta written (with mean/std added)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    total = sumsq = None
    count = 0
    for name, src in splits.items():
        mm = np.lib.format.open_memmap(
            root / f"{name}_images.npy", mode="w+", dtype=np.uint8,
            shape=(src.n, src.size, src.size, src.channels),
        )
        for start, block in src.chunks():
            mm[start:start + len(block)] = block
            if name == stats_split:
                x = block.reshape(-1, src.channels).astype(np.float64) / 255.0
                total = x.sum(0) if total is None else total + x.sum(0)
                sumsq = (x * x).sum(0) if sumsq is None else sumsq + (x * x).sum(0)
                count += len(x)
        mm.flush()
        del mm
        np.save(root / f"{name}_labels.npy", src.labels)
    if count == 0:
        raise ValueError(f"split '{stats_split}' is empty: no statistics can be computed")
    mean = total / count
    std = np.sqrt(np.maximum(sumsq / count - mean**2, 1e-12))
    meta = {**meta, "mean": mean.tolist(), "std": std.tolist(), "splits": {k: v.n for k, v in splits.items()}}
    (root / "meta.json").write_text(json.dumps(meta, indent=2))
    return meta


def read_packed(root: str | Path) -> PackedSplits:
    root = Path(root)
    meta = json.loads((root / "meta.json").read_text())
    images = {s: np.load(root / f"{s}_images.npy", mmap_mode="r") for s in meta["splits"]}
    labels = {s: np.load(root / f"{s}_labels.npy") for s in meta["splits"]}
    return PackedSplits(images, labels, meta, str(root))
