"""Project pipelines: one folder per pipeline under ``pipelines/``, found by name."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

# The order in which `__default__` chains the study.
ORDER = ("ingest", "preprocess", "pretrain", "baselines", "linear_eval", "detect", "report")


def register_pipelines() -> dict[str, Pipeline]:
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum(
        (pipelines[name] for name in ORDER if name in pipelines), Pipeline([])
    )
    return pipelines
