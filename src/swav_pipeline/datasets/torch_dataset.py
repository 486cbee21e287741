from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from kedro.io import AbstractDataset

from swav_pipeline.swav.checkpoint import load_safe, save_atomic


class TorchStateDictDataset(AbstractDataset[dict, dict]):
    """A plain ``state_dict`` file: saved atomically, loaded with ``weights_only=True``."""

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self.metadata = metadata

    def load(self) -> dict[str, torch.Tensor]:
        return load_safe(self._filepath)

    def save(self, data: dict[str, torch.Tensor]) -> None:
        save_atomic(data, self._filepath)

    def _exists(self) -> bool:
        return self._filepath.exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}
