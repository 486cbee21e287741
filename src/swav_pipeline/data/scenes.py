"""Detection scenes made of real objects: Fashion-MNIST items pasted onto canvases.

No registry ships a real detection dataset, so scenes are composed from real photographs of
products. Boxes come from each pasted item's mask (pixels above ``mask_threshold``), so they
are tight around what is visible, not around the 28x28 tile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .detection import DetectionSet, DetectionSplit


@dataclass(frozen=True)
class SceneSpec:
    canvas_size: int = 96
    min_objects: int = 1
    max_objects: int = 4
    min_object_size: int = 24
    max_object_size: int = 48
    max_iou: float = 0.3
    mask_threshold: int = 20
    background_noise: float = 12.0


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x0 = np.maximum(a[0], b[:, 0]); y0 = np.maximum(a[1], b[:, 1])
    x1 = np.minimum(a[2], b[:, 2]); y1 = np.minimum(a[3], b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda r: (r[..., 2] - r[..., 0]) * (r[..., 3] - r[..., 1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def make_scene(objects: np.ndarray, labels: np.ndarray, spec: SceneSpec, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compose one (S, S, 1) uint8 scene; returns it with xyxy boxes and 1-based labels."""
    s = spec.canvas_size
    canvas = np.clip(rng.normal(0, spec.background_noise, (s, s)), 0, 255)
    boxes, labs = [], []
    for _ in range(int(rng.integers(spec.min_objects, spec.max_objects + 1))):
        for _attempt in range(20):
            k = int(rng.integers(len(objects)))
            size = int(rng.integers(spec.min_object_size, spec.max_object_size + 1))
            tile = np.asarray(Image.fromarray(objects[k]).resize((size, size), Image.BILINEAR), np.float64)
            mask = tile > spec.mask_threshold
            if not mask.any():
                continue
            ys, xs = np.nonzero(mask)
            x, y = int(rng.integers(0, s - size + 1)), int(rng.integers(0, s - size + 1))
            box = np.array([x + xs.min(), y + ys.min(), x + xs.max() + 1, y + ys.max() + 1], np.float32)
            if boxes and _iou(box, np.stack(boxes)).max() > spec.max_iou:
                continue
            region = canvas[y:y + size, x:x + size]
            canvas[y:y + size, x:x + size] = np.where(mask, tile, region)
            boxes.append(box)
            labs.append(int(labels[k]) + 1)
            break
    return (canvas.astype(np.uint8)[:, :, None], np.array(boxes, np.float32).reshape(-1, 4),
            np.array(labs, np.int64))


def generate_scenes(objects: np.ndarray, labels: np.ndarray, categories: list[str],
                    counts: dict[str, int], spec: SceneSpec, seed: int = 0) -> DetectionSet:
    """Generate ``counts[split]`` scenes per split from (N, H, W) uint8 objects."""
    rng = np.random.default_rng(seed)
    splits = {}
    for name, n in counts.items():
        split = DetectionSplit()
        for i in range(n):
            img, boxes, labs = make_scene(objects, labels, spec, rng)
            split.images.append(img)
            split.file_names.append(f"{name}_{i:06d}.png")
            split.boxes.append(boxes)
            split.labels.append(labs)
        splits[name] = split
    return DetectionSet(list(categories), splits)
