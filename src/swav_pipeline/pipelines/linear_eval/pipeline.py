from kedro.pipeline import Node, Pipeline

from swav_pipeline.node_helpers import BACKBONE_INPUTS

from .nodes import evaluate_backbones


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(evaluate_backbones,
             {"pretrain_packed": "pretrain_packed", "transfer_packed": "transfer_packed",
              "params": "params:linear_eval", **BACKBONE_INPUTS},
             ["linear_eval_results", "confusion_matrices"], name="evaluate_backbones"),
    ])
