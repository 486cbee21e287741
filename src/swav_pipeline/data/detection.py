"""Detection data in one structure, read from and written to COCO layout.

Layout on disk (what ``write_coco`` writes and ``read_coco`` reads, and what a real COCO
download looks like): ``<root>/annotations/instances_<split>.json`` and
``<root>/<split>/<file_name>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from .images import decode_file


@dataclass
class DetectionSplit:
    """One split: images as (H, W, C) uint8, boxes as (n, 4) float xyxy pixels, labels (n,)."""

    images: list[np.ndarray] = field(default_factory=list)
    file_names: list[str] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def num_boxes(self) -> int:
        return int(sum(len(b) for b in self.boxes))


@dataclass
class DetectionSet:
    categories: list[str]  # label i (1-based in COCO) is categories[i - 1]
    splits: dict[str, DetectionSplit]


def to_coco(split: DetectionSplit, categories: list[str]) -> dict:
    images, annotations = [], []
    for img_id, (img, name, boxes, labels) in enumerate(
        zip(split.images, split.file_names, split.boxes, split.labels), start=1
    ):
        images.append({"id": img_id, "file_name": name, "height": img.shape[0], "width": img.shape[1]})
        for (x0, y0, x1, y1), lab in zip(boxes.tolist(), labels.tolist()):
            w, h = x1 - x0, y1 - y0
            annotations.append({
                "id": len(annotations) + 1, "image_id": img_id, "category_id": int(lab),
                "bbox": [x0, y0, w, h], "area": w * h, "iscrowd": 0,
            })
    cats = [{"id": i, "name": n} for i, n in enumerate(categories, start=1)]
    return {"images": images, "annotations": annotations, "categories": cats}


def write_coco(root: str | Path, data: DetectionSet) -> None:
    root = Path(root)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    for name, split in data.splits.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for img, fname in zip(split.images, split.file_names):
            Image.fromarray(img.squeeze(-1) if img.shape[-1] == 1 else img).save(root / name / fname)
        with open(root / "annotations" / f"instances_{name}.json", "w") as fh:
            json.dump(to_coco(split, data.categories), fh)


def read_coco_split(annotation_file: str | Path, image_dir: str | Path, channels: int = 3
                    ) -> tuple[DetectionSplit, list[str], list[tuple[str, str]]]:
    """Read one COCO json; returns the split, category names and (file, reason) rejects.

    Category ids are renumbered 1..K in id order so that any COCO file maps onto labels a
    detector can use. Crowd annotations and boxes with no area are dropped.
    """
    with open(annotation_file) as fh:
        coco = json.load(fh)
    cats = sorted(coco.get("categories", []), key=lambda c: c["id"])
    cat_index = {c["id"]: i for i, c in enumerate(cats, start=1)}
    per_image: dict[int, list] = {}
    for ann in coco.get("annotations", []):
        x, y, w, h = ann["bbox"]
        if ann.get("iscrowd", 0) or w <= 0 or h <= 0:
            continue
        per_image.setdefault(ann["image_id"], []).append((x, y, x + w, y + h, cat_index[ann["category_id"]]))
    split, rejects = DetectionSplit(), []
    for info in coco.get("images", []):
        path = Path(image_dir) / info["file_name"]
        if not path.exists():
            rejects.append((str(path), "file missing"))
            continue
        d = decode_file(path, channels=channels)
        if d.pixels is None:
            rejects.append((str(path), d.reason))
            continue
        anns = np.array(per_image.get(info["id"], []), dtype=np.float32).reshape(-1, 5)
        split.images.append(d.pixels)
        split.file_names.append(info["file_name"])
        split.boxes.append(anns[:, :4])
        split.labels.append(anns[:, 4].astype(np.int64))
    return split, [c["name"] for c in cats], rejects


def read_coco(root: str | Path, channels: int = 3) -> tuple[DetectionSet, list[tuple[str, str]]]:
    """Read every ``annotations/instances_<split>.json`` under ``root``."""
    root = Path(root)
    files = sorted((root / "annotations").glob("instances_*.json"))
    if not files:
        raise FileNotFoundError(f"no annotations/instances_<split>.json under {root}")
    splits, categories, rejects = {}, [], []
    for f in files:
        name = f.stem.removeprefix("instances_")
        split, categories, bad = read_coco_split(f, root / name, channels)
        splits[name] = split
        rejects += bad
    return DetectionSet(categories, splits), rejects
