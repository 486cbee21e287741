from __future__ import annotations

import logging
import time

import pandas as pd
import torch

from swav_pipeline.config import parse
from swav_pipeline.data.packed import PackedSplits
from swav_pipeline.evaluation.classifier import BaselinesParams, limited_subset, train_classifier
from swav_pipeline.node_helpers import backbone_record
from swav_pipeline.plots import curves
from swav_pipeline.swav.backbones import build_backbone
from swav_pipeline.swav.config import PretrainConfig
from swav_pipeline.tracking import MlflowEpochLogger

log = logging.getLogger(__name__)


def train_supervised(packed: PackedSplits, params: dict, pretrain: dict) -> tuple[dict, dict, pd.DataFrame, object, dict]:
    """The pretraining architecture trained with cross-entropy on the pretraining labels."""
    cfg = parse(BaselinesParams, params, "baselines").supervised
    arch = parse(PretrainConfig, pretrain, "pretrain").backbone_args(packed.meta["store_size"])
    labels = packed.labels["train"]
    idx = limited_subset(labels, cfg.train_limit, seed=cfg.seed)
    torch.manual_seed(cfg.seed)
    start = time.perf_counter()
    result = train_classifier(build_backbone(**arch), packed.images["train"][idx], labels[idx], packed.mean,
                              packed.std, cfg, seed=cfg.seed, num_classes=len(packed.class_names),
                              on_epoch=MlflowEpochLogger("supervised"), desc="supervised")
    wall = time.perf_counter() - start
    log.info("supervised baseline: %d images, %d epochs, %.0f s", len(idx), cfg.epochs, wall)
    fig = curves(result.history, ["loss", "train_top1", "images_per_second"], "Supervised baseline")
    summary = {"wall_seconds": wall, "train_images": len(idx), **result.history[-1]}
    return (result.model.backbone.state_dict(), backbone_record(arch, packed), pd.DataFrame(result.history),
            fig, summary)


def init_random(packed: PackedSplits, params: dict, pretrain: dict) -> tuple[dict, dict]:
    """The same architecture, freshly initialised (the lower bound every method must beat)."""
    cfg = parse(BaselinesParams, params, "baselines")
    arch = parse(PretrainConfig, pretrain, "pretrain").backbone_args(packed.meta["store_size"])
    torch.manual_seed(cfg.random_seed)
    return build_backbone(**arch).state_dict(), backbone_record(arch, packed)
