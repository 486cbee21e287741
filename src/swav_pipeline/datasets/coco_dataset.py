from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset

from swav_pipeline.data.detection import DetectionSet, read_coco, write_coco


class CocoDetectionDataset(AbstractDataset[DetectionSet, DetectionSet]):
    """A detection dataset in COCO layout (``annotations/instances_<split>.json`` + images)."""

    def __init__(self, path: str, metadata: dict[str, Any] | None = None):
        self._path = Path(path)
        self.metadata = metadata

    def load(self) -> DetectionSet:
        data, _rejects = read_coco(self._path)
        return data

    def save(self, data: DetectionSet) -> None:
        if self._path.exists():
            shutil.rmtree(self._path)
        write_coco(self._path, data)

    def _exists(self) -> bool:
        return (self._path / "annotations").is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}
