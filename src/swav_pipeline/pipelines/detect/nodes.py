from __future__ import annotations

import copy
import logging

import mlflow
import pandas as pd
import torch

from swav_pipeline.config import parse
from swav_pipeline.data.detection import DetectionSet, to_coco
from swav_pipeline.evaluation.coco_ap import coco_ap, detections_to_coco
from swav_pipeline.evaluation.detection import (DetectParams, build_detector, check_detection_data,
                                                image_statistics, predict, train_detector)
from swav_pipeline.node_helpers import select_backbones
from swav_pipeline.plots import detections_plot
from swav_pipeline.tracking import MlflowEpochLogger, backbone_run, log_mean_and_std

log = logging.getLogger(__name__)


def finetune_detectors(detection: DetectionSet, params: dict, **backbones: dict
                       ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Fine-tune a detector from each selected backbone and score it on the eval split.

    Returns the AP rows, the per-epoch loss of each backbone's detector (mean over seeds; one
    column per backbone, for ``dvc plots``) and one PNG per backbone of eval images with
    predicted and true boxes; each backbone is a nested MLflow run tagged ``backbone``/``task``.
    """
    cfg = parse(DetectParams, params, "detect")
    train, evaluation = detection.splits.get(cfg.train_split), detection.splits.get(cfg.eval_split)
    check_detection_data(train, evaluation, cfg)
    mean, std = image_statistics(train)
    truth = to_coco(evaluation, detection.categories)
    shown = min(cfg.draw_images, len(evaluation))
    rows, history, figures = [], [], {}
    for name, trunk in select_backbones(cfg, backbones).items():
        with backbone_run("detect", name) as run:
            for seed in cfg.seeds:
                torch.manual_seed(seed)
                model = build_detector(copy.deepcopy(trunk), len(detection.categories), mean, std, cfg.detector)
                logger = MlflowEpochLogger(f"detect.seed{seed}")
                epochs = train_detector(model, train, cfg.detector, seed, on_epoch=logger, desc=f"detect {name}")
                history += [{"backbone": name, "seed": seed, **e} for e in epochs]
                predictions = predict(model, evaluation)
                scores = coco_ap(truth, detections_to_coco(predictions))
                log.info("detection from %s (seed %d): AP %.4f, AP50 %.4f", name, seed, scores["ap"], scores["ap50"])
                rows.append({"backbone": name, "task": "detection", "domain": "detection", "seed": seed, **scores})
                if seed == cfg.seeds[0] and shown:
                    fig = detections_plot(
                        evaluation.images[:shown],
                        [{"boxes": b, "labels": lab} for b, lab in zip(evaluation.boxes[:shown], evaluation.labels[:shown])],
                        predictions[:shown], detection.categories, f"Faster R-CNN from the {name} backbone")
                    figures[f"{name}.png"] = fig
                    if run:
                        mlflow.log_figure(fig, "detections.png")
            if run:
                log_mean_and_std(pd.DataFrame([r for r in rows if r["backbone"] == name]), ["task"], ["ap", "ap50"])
    losses = pd.DataFrame(history).groupby(["epoch", "backbone"])["loss"].mean().unstack("backbone")
    losses = losses[list(dict.fromkeys(r["backbone"] for r in rows))].add_suffix("_loss").reset_index()
    return pd.DataFrame(rows), losses, figures
