"""Pipeline ``pretrain``: SwAV on the packed pretraining images; checkpoints; per-epoch MLflow metrics."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
