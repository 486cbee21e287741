from kedro.pipeline import Node, Pipeline

from swav_pipeline.node_helpers import BACKBONE_INPUTS

from .nodes import finetune_detectors


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(finetune_detectors, {"detection": "detection_raw", "params": "params:detect", **BACKBONE_INPUTS},
             ["detection_results", "detection_history", "detection_previews"], name="finetune_detectors"),
    ])
