from kedro.pipeline import Node, Pipeline

from .nodes import train_swav


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(train_swav, ["pretrain_packed", "multicrop_spec", "params:pretrain"],
             ["swav_backbone", "swav_backbone_config", "pretrain_history", "pretrain_curves",
              "prototype_usage_plot", "pretrain_summary"], name="train_swav"),
    ])
