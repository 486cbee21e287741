"""Pipeline ``ingest``: read each configured dataset role into data/01_raw with a manifest."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
