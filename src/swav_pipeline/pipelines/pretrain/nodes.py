from __future__ import annotations

import time

import pandas as pd

from swav_pipeline.config import parse
from swav_pipeline.data.packed import PackedSplits
from swav_pipeline.node_helpers import backbone_record
from swav_pipeline.plots import curves, histogram
from swav_pipeline.swav.config import PretrainConfig
from swav_pipeline.swav.distributed import elastic_run
from swav_pipeline.swav.multicrop import AugmentSpec, MultiCropSpec
from swav_pipeline.swav.train import PretrainInputs, PretrainResult, pretrain
from swav_pipeline.tracking import MlflowEpochLogger


def train_swav(packed: PackedSplits, spec: dict, params: dict
               ) -> tuple[dict, dict, pd.DataFrame, object, object, dict]:
    cfg = parse(PretrainConfig, params, "pretrain")
    inputs = PretrainInputs(packed, MultiCropSpec(**spec["multicrop"]), AugmentSpec(**spec["augment"]))
    logger = MlflowEpochLogger("pretrain")
    start = time.perf_counter()
    d = cfg.distributed
    if d.nproc_per_node * d.nnodes > 1:
        result: PretrainResult = elastic_run(pretrain, (cfg, inputs, logger), d.nproc_per_node, d.nnodes,
                                             d.rdzv_endpoint, d.rdzv_id)
        if result is None:  # not the node with global rank 0: it saves nothing
            raise SystemExit(0)
    else:
        result = pretrain(cfg, inputs, logger)
    wall = time.perf_counter() - start
    history = pd.DataFrame(result.history)
    info = {**backbone_record(result.backbone_config, packed), "checkpoint": result.checkpoint}
    last = result.history[-1] if result.history else {}
    summary = {"wall_seconds": wall, **{k: v for k, v in last.items() if k != "epoch_seconds"},
               "collapse_warnings": len(result.warnings)}
    fig_curves = curves(result.history, ["loss", "knn_top1", "prototype_usage_entropy", "images_per_second"],
                        "SwAV pretraining")
    fig_usage = histogram(result.prototype_usage, "Prototype usage in the last epoch", "prototype")
    return result.backbone_state, info, history, fig_curves, fig_usage, summary
