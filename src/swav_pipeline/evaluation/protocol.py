"""The evaluation protocol for one backbone on one labeled domain: linear probe on frozen
features, weighted kNN, and semi-supervised fine-tuning on a fraction of the labels.

Results are flat rows (``task``, ``domain``, ``seed``, ``top1``, ``top5``) so that any number
of backbones, domains and seeds stack into one table.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, model_validator

from swav_pipeline.data.packed import PackedSplits
from swav_pipeline.swav.backbones import BackboneSelection

from .classifier import TrainSpec, labeled_subset, limited_subset, train_classifier
from .features import extract_features
from .knn import knn_predict
from .linear import topk_accuracy, train_linear_probe

log = logging.getLogger(__name__)

Task = Literal["linear", "knn", "finetune"]


class LinearSpec(BaseModel):
    """Linear probe. Without augmentation the features are computed once and the probe trains
    on them (standardised by the train-set statistics); with it, every epoch goes through the
    frozen trunk with random resized crops (the paper's protocol, much slower)."""

    model_config = ConfigDict(extra="forbid")

    epochs: int = Field(100, ge=1)
    lr: float = Field(0.3, gt=0)
    weight_decay: float = Field(1e-6, ge=0)
    batch_size: int = Field(256, ge=1)
    augment: bool = False
    min_scale: float = Field(0.08, gt=0, le=1)


class KnnSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    k: int = Field(20, ge=1)
    temperature: float = Field(0.07, gt=0)


class FinetuneSpec(TrainSpec):
    """Fine-tune the whole network on a class-balanced fraction of the train labels.

    ``epochs`` has one entry per fraction (fewer labels need more epochs); ``seeds``, when
    set, replaces the protocol's seeds for this, the costliest task.
    """

    fractions: list[float] = Field(default_factory=lambda: [0.01, 0.1], min_length=1)
    epochs: list[int] = Field(default_factory=lambda: [20, 2], min_length=1)
    seeds: list[int] | None = None

    @model_validator(mode="after")
    def _one_epoch_count_per_fraction(self) -> FinetuneSpec:
        if len(self.epochs) != len(self.fractions):
            raise ValueError(f"give one epoch count per fraction ({len(self.fractions)} fractions, "
                             f"{len(self.epochs)} epoch counts)")
        if not all(0 < f <= 1 for f in self.fractions) or min(self.epochs) < 1:
            raise ValueError("fractions must be in (0, 1] and epochs >= 1")
        return self

    def schedules(self) -> list[tuple[float, TrainSpec]]:
        base = self.model_dump(exclude={"fractions", "epochs", "seeds"})
        return [(f, TrainSpec(**base, epochs=e)) for f, e in zip(self.fractions, self.epochs)]


def finetune_task(fraction: float) -> str:
    """``0.01`` -> ``finetune_1pct``."""
    return f"finetune_{fraction * 100:g}pct".replace(".", "p")


class EvalSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: list[Task] = ["linear", "knn", "finetune"]
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    train_limit: int | None = Field(None, ge=10)  # class-balanced subsample of train for the probes
    linear: LinearSpec = LinearSpec()
    knn: KnnSpec = KnnSpec()
    finetune: FinetuneSpec = FinetuneSpec()


@dataclass
class DomainResult:
    rows: list[dict] = field(default_factory=list)
    confusion: np.ndarray | None = None  # linear probe, first seed: (true, predicted) counts
    class_names: list[str] = field(default_factory=list)


def confusion_matrix(predicted: torch.Tensor, labels: torch.Tensor, num_classes: int) -> np.ndarray:
    """(true, predicted) counts, true class per row."""
    flat = labels.long() * num_classes + predicted.long()
    return torch.bincount(flat, minlength=num_classes * num_classes).view(num_classes, num_classes).numpy()


def evaluate_domain(backbone: torch.nn.Module, data: PackedSplits, domain: str, spec: EvalSpec,
                    finetune: bool = True) -> DomainResult:
    """Every task of ``spec`` for ``backbone`` on ``data`` (train split to fit, test to score)."""
    result = DomainResult(class_names=list(data.class_names))
    num_classes = len(result.class_names)
    train_idx = limited_subset(data.labels["train"], spec.train_limit, seed=0)
    train_images = data.images["train"][train_idx]
    ytr = torch.from_numpy(data.labels["train"][train_idx]).long()
    yte = torch.from_numpy(data.labels["test"]).long()

    def emit(task: str, seed: int, scores: torch.Tensor) -> None:
        row = {"task": task, "domain": domain, "seed": seed, **topk_accuracy(scores, yte)}
        result.rows.append(row)
        log.info("%s on %s (seed %d): top-1 %.4f", task, domain, seed, row["top1"])

    needs_features = "knn" in spec.tasks or ("linear" in spec.tasks and not spec.linear.augment)
    if needs_features:
        ftr = extract_features(backbone, train_images, data.mean, data.std)
        fte = extract_features(backbone, data.images["test"], data.mean, data.std)
    if "linear" in spec.tasks:
        for seed in spec.seeds:
            if spec.linear.augment:
                lin = spec.linear
                trained = train_classifier(
                    copy.deepcopy(backbone), train_images, ytr.numpy(), data.mean, data.std,
                    TrainSpec(epochs=lin.epochs, batch_size=lin.batch_size, lr=lin.lr, backbone_lr_scale=0,
                              weight_decay=lin.weight_decay, min_scale=lin.min_scale),
                    seed=seed, num_classes=num_classes, desc=f"linear {domain}")
                scores = extract_features(trained.model, data.images["test"], data.mean, data.std)
            else:
                layer, transform = train_linear_probe(ftr, ytr, epochs=spec.linear.epochs, lr=spec.linear.lr,
                                                      weight_decay=spec.linear.weight_decay,
                                                      batch_size=spec.linear.batch_size, seed=seed,
                                                      num_classes=num_classes)
                with torch.no_grad():
                    scores = layer(transform(fte))
            if result.confusion is None:
                result.confusion = confusion_matrix(scores.argmax(1), yte, num_classes)
            emit("linear", seed, scores)
    if "knn" in spec.tasks:
        scores = knn_predict(ftr, ytr, fte, spec.knn.k, spec.knn.temperature, num_classes=num_classes)
        emit("knn", spec.seeds[0], scores)  # deterministic: one row
    if "finetune" in spec.tasks and finetune:
        all_labels = data.labels["train"]
        for fraction, schedule in spec.finetune.schedules():
            for seed in spec.finetune.seeds or spec.seeds:
                subset = labeled_subset(all_labels, fraction, seed=seed)
                trained = train_classifier(copy.deepcopy(backbone), data.images["train"][subset], all_labels[subset],
                                           data.mean, data.std, schedule, seed=seed,
                                           num_classes=num_classes, desc=f"{finetune_task(fraction)} {domain}")
                emit(finetune_task(fraction), seed,
                     extract_features(trained.model, data.images["test"], data.mean, data.std))
    return result


class LinearEvalParams(BackboneSelection, EvalSpec):
    """Parameters of the ``linear_eval`` pipeline (domains: in-domain = pretraining data,
    transfer = the transfer dataset; fine-tuning runs in-domain only, as in the paper)."""
