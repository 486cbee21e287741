"""Pipeline ``baselines``: the supervised backbone and the random-init backbone."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
