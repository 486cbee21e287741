"""Project hooks: refuse wrong parameters before any node runs."""

from __future__ import annotations

from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

from swav_pipeline.config import parse
from swav_pipeline.param_models import PARAMETER_MODELS


class ValidateParametersHook:
    """Parse every parameter section the pipeline reads with its typed model, up front."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog) -> None:
        sections = {
            name.removeprefix("params:").split(".")[0]
            for name in pipeline.inputs()
            if name.startswith("params:")
        }
        params = catalog.load("parameters")
        for section in sorted(sections & PARAMETER_MODELS.keys()):
            parse(PARAMETER_MODELS[section], params.get(section), section)
