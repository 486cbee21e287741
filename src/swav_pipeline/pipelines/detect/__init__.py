"""Pipeline ``detect``: Faster R-CNN + FPN fine-tuned from every backbone; COCO AP / AP50."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
