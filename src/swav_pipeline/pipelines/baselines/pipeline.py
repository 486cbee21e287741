from kedro.pipeline import Node, Pipeline

from .nodes import init_random, train_supervised


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(train_supervised, ["pretrain_packed", "params:baselines", "params:pretrain"],
             ["supervised_backbone", "supervised_backbone_config", "supervised_history", "supervised_curves",
              "supervised_summary"], name="train_supervised"),
        Node(init_random, ["pretrain_packed", "params:baselines", "params:pretrain"],
             ["random_backbone", "random_backbone_config"], name="init_random"),
    ])
