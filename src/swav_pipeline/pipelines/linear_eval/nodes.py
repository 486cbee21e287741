from __future__ import annotations

import mlflow
import pandas as pd

from swav_pipeline.config import parse
from swav_pipeline.data.packed import PackedSplits
from swav_pipeline.evaluation.protocol import LinearEvalParams, evaluate_domain
from swav_pipeline.node_helpers import select_backbones
from swav_pipeline.plots import confusion_plot
from swav_pipeline.tracking import backbone_run, log_mean_and_std


def evaluate_backbones(pretrain_packed: PackedSplits, transfer_packed: PackedSplits, params: dict,
                       **backbones: dict) -> tuple[pd.DataFrame, dict]:
    """Every selected backbone through every task, in-domain and in the transfer domain.

    Each backbone gets its own nested MLflow run (tags ``backbone``, ``task``) with the mean
    over seeds under the same metric names, and its confusion matrices as artifacts.
    """
    cfg = parse(LinearEvalParams, params, "linear_eval")
    rows, figures = [], {}
    for name, backbone in select_backbones(cfg, backbones).items():
        with backbone_run("linear_eval", name) as run:
            mine = []
            for domain, data in (("in_domain", pretrain_packed), ("transfer", transfer_packed)):
                result = evaluate_domain(backbone, data, domain, cfg, finetune=domain == "in_domain")
                mine += [{"backbone": name, **r} for r in result.rows]
                if result.confusion is not None:
                    fig = confusion_plot(result.confusion, result.class_names, f"{name}, {domain} (linear probe)")
                    figures[f"{name}_{domain}.png"] = fig
                    if run:
                        mlflow.log_figure(fig, f"confusion_{domain}.png")
            if run:
                log_mean_and_std(pd.DataFrame(mine), ["task", "domain"], ["top1", "top5"])
            rows += mine
    return pd.DataFrame(rows), figures
