"""Pipeline ``report``: the transfer table (CSV, Markdown, bar chart, DVC metrics)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
