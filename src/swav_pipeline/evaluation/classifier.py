"""Training a backbone + linear head with labels: the supervised baseline, semi-supervised
fine-tuning (1% / 10% of the labels) and the augmented linear probe (frozen trunk).

One trainer for the three because they differ only in which parameters learn and at what rate.
Augmentation is the standard supervised one (random resized crop + flip), batched on uint8
data with the same machinery as the SwAV crops.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn
from tqdm.auto import tqdm

from swav_pipeline.swav.multicrop import AugmentSpec, BatchMultiCrop, MultiCropSpec, normalise_batch


class TrainSpec(BaseModel):
    """Schedule and augmentation of one supervised training run (SGD, momentum, cosine)."""

    model_config = ConfigDict(extra="forbid")

    epochs: int = Field(2, ge=1)
    batch_size: int = Field(128, ge=1)
    lr: float = Field(0.1, gt=0)              # the head's; the trunk's is lr * backbone_lr_scale
    backbone_lr_scale: float = Field(1.0, ge=0)  # 0 freezes the trunk (linear probe)
    weight_decay: float = Field(5e-4, ge=0)
    momentum: float = Field(0.9, ge=0, lt=1)
    min_scale: float = Field(0.25, gt=0, le=1)   # RandomResizedCrop scale (min, 1)
    flip_p: float = Field(0.5, ge=0, le=1)
    augment: bool = True
    label_smoothing: float = Field(0.0, ge=0, lt=1)


class Classifier(nn.Module):
    """A backbone followed by a linear layer on its pooled features."""

    def __init__(self, backbone: nn.Module, num_classes: int):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.num_features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


@dataclass
class TrainResult:
    model: Classifier
    history: list[dict]


def train_classifier(backbone: nn.Module, images: np.ndarray, labels: np.ndarray, mean: list[float],
                     std: list[float], spec: TrainSpec, seed: int = 0, num_classes: int | None = None,
                     on_epoch: Callable[[dict], None] | None = None, desc: str = "train",
                     device: str | torch.device = "cpu") -> TrainResult:
    """Train ``backbone`` + a new linear head on uint8 (N, H, W, C) ``images``.

    With ``spec.backbone_lr_scale == 0`` the trunk is frozen and kept in eval mode (its
    BatchNorm statistics do not move): the linear-evaluation protocol with augmentation.
    """
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    labels_t = torch.from_numpy(np.asarray(labels)).long()
    model = Classifier(backbone, num_classes or int(labels_t.max()) + 1).to(device)
    frozen = spec.backbone_lr_scale == 0
    groups = [{"params": model.head.parameters(), "lr": spec.lr}]
    if frozen:
        model.backbone.requires_grad_(False)
    else:
        groups.append({"params": model.backbone.parameters(), "lr": spec.lr * spec.backbone_lr_scale})
    opt = torch.optim.SGD(groups, lr=spec.lr, momentum=spec.momentum, weight_decay=spec.weight_decay)
    n = len(images)
    batch = min(spec.batch_size, n)
    steps_per_epoch = max(1, n // batch)  # drop the last partial batch (BatchNorm needs > 1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, spec.epochs * steps_per_epoch)
    size = images.shape[1]
    crop = BatchMultiCrop(MultiCropSpec(nmb_crops=[1], size_crops=[size], min_scale_crops=[spec.min_scale],
                                        max_scale_crops=[1.0]),
                          mean, std, AugmentSpec(flip_p=spec.flip_p, jitter_p=0, grayscale_p=0, blur_p=0))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=spec.label_smoothing)
    history = []
    for epoch in range(spec.epochs):
        model.train()
        if frozen:
            model.backbone.eval()
        perm = torch.randperm(n, generator=g)
        start, total, correct, seen = time.perf_counter(), 0.0, 0, 0
        bar = tqdm(range(steps_per_epoch), desc=f"{desc} {epoch + 1}/{spec.epochs}", leave=False,
                   mininterval=2.0)
        for step in bar:
            idx = perm[step * batch:(step + 1) * batch].sort().values.numpy()
            x = torch.from_numpy(np.asarray(images[idx]))
            x = crop(x, g)[0] if spec.augment else normalise_batch(x, mean, std)
            y = labels_t[idx]
            logits = model(x.to(device))
            loss = loss_fn(logits, y.to(device))
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(f"{desc}: the loss became {value} at epoch {epoch + 1}; "
                                         "lower the learning rate")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += value * len(y)
            correct += int((logits.argmax(1).cpu() == y).sum())
            seen += len(y)
            bar.set_postfix(loss=f"{value:.3f}", refresh=False)
        row = {"epoch": epoch + 1, "loss": total / seen, "train_top1": correct / seen,
               "lr": opt.param_groups[0]["lr"], "images_per_second": seen / (time.perf_counter() - start)}
        history.append(row)
        if on_epoch:
            on_epoch(row)
    model.eval()
    return TrainResult(model, history)


def limited_subset(labels: np.ndarray, limit: int | None, seed: int = 0) -> np.ndarray:
    """Sorted indices of a class-balanced subset of about ``limit`` samples (all when ``limit``
    is None or not smaller than the data)."""
    if not limit or limit >= len(labels):
        return np.arange(len(labels))
    return labeled_subset(labels, limit / len(labels), seed)


def labeled_subset(labels: np.ndarray, fraction: float, seed: int = 0) -> np.ndarray:
    """Sorted indices of a class-balanced ``fraction`` of the samples (at least one per class)."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    picked = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        k = max(1, round(fraction * len(members)))
        picked.append(rng.choice(members, size=k, replace=False))
    return np.sort(np.concatenate(picked))


class SupervisedParams(TrainSpec):
    """The supervised baseline: the pretraining architecture trained with the labels."""

    seed: int = 0
    train_limit: int | None = Field(None, ge=10)  # class-balanced subsample of train


class BaselinesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supervised: SupervisedParams = SupervisedParams()
    random_seed: int = 0  # the random-init backbone
