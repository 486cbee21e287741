"""Pipeline ``linear_eval``: frozen-feature linear probe, kNN and semi-supervised fine-tuning
of every backbone, in the pretraining domain and in the transfer domain."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
