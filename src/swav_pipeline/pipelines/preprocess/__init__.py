"""Pipeline ``preprocess``: split, pack to memory-mappable uint8, fix the multi-crop spec, preview."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
