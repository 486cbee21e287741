"""Kedro datasets for the project's own storage formats (thin wrappers over ``data/``)."""

from .coco_dataset import CocoDetectionDataset
from .numpy_dataset import NumpyDataset
from .packed_dataset import PackedSplitsDataset
from .torch_dataset import TorchStateDictDataset

__all__ = ["CocoDetectionDataset", "NumpyDataset", "PackedSplitsDataset", "TorchStateDictDataset"]
