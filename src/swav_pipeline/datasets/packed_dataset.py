from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset

from swav_pipeline.data.packed import PackedSplits, SplitSource, read_packed, write_packed


class PackedSplitsDataset(AbstractDataset[tuple[dict[str, SplitSource], dict], PackedSplits]):
    """A packed image store (see ``data/packed.py``).

    Saving takes ``(splits, meta)`` with lazy splits and streams them to disk; loading
    memory-maps the arrays.
    """

    def __init__(self, path: str, metadata: dict[str, Any] | None = None):
        self._path = Path(path)
        self.metadata = metadata

    def load(self) -> PackedSplits:
        return read_packed(self._path)

    def save(self, data: tuple[dict[str, SplitSource], dict]) -> None:
        splits, meta = data
        if self._path.exists():
            shutil.rmtree(self._path)
        write_packed(self._path, splits, meta)

    def _exists(self) -> bool:
        return (self._path / "meta.json").exists()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}
