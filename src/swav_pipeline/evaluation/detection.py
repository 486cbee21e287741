"""Detection fine-tuning: torchvision Faster R-CNN with an FPN over one of our ResNet trunks.

The trunk (``Backbone``) is initialised from a pretrained state_dict and fine-tuned with the
detector. As in torchvision's detection models, the stem and the first ``5 - trainable_layers``
stages are frozen with their BatchNorm turned into ``FrozenBatchNorm2d``; the trainable stages
keep learning BatchNorm (the paper fine-tunes with SyncBN in Detectron2). The FPN reads the
stages listed in ``fpn_layers`` plus a max-pooled level; anchor sizes follow the strides
(8 x stride per level, torchvision's own ratio), so the small-image stem (stride 1 in
``layer1``) gets anchors that fit 28-px objects.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.ops import MultiScaleRoIAlign
from torchvision.ops.misc import FrozenBatchNorm2d
from tqdm.auto import tqdm

from swav_pipeline.data.detection import DetectionSplit
from swav_pipeline.swav.backbones import Backbone, BackboneSelection
from swav_pipeline.swav.multicrop import to_float


class DetectorSpec(BaseModel):
    """Detector shape and fine-tuning schedule (SGD, momentum, linear warm-up, cosine)."""

    model_config = ConfigDict(extra="forbid")

    min_size: int = Field(96, ge=16)         # images are resized so the short side is this
    max_size: int = Field(160, ge=16)
    fpn_layers: list[Literal[1, 2, 3, 4]] = [1, 2, 3, 4]  # trunk stages the FPN reads
    trainable_layers: int = Field(3, ge=0, le=5)  # torchvision's default: layer2..layer4
    fpn_channels: int = Field(64, ge=8)
    box_head_dim: int = Field(256, ge=8)
    anchor_sizes: list[int] | None = None    # one per pyramid level; null: 8 x stride
    rpn_proposals_train: int = Field(300, ge=1)
    rpn_proposals_test: int = Field(300, ge=1)
    box_batch_size_per_image: int = Field(128, ge=1)
    epochs: int = Field(4, ge=1)
    batch_size: int = Field(8, ge=1)
    lr: float = Field(0.02, gt=0)
    warmup_iters: int = Field(50, ge=0)
    weight_decay: float = Field(1e-4, ge=0)
    momentum: float = Field(0.9, ge=0, lt=1)
    flip_p: float = Field(0.5, ge=0, le=1)
    score_threshold: float = Field(0.05, ge=0, le=1)  # detections kept for evaluation


def freeze_stages(trunk: Backbone, trainable_layers: int) -> None:
    """Freeze the stem and the first stages, torchvision-style (``trainable_layers`` of 5 learn)."""
    learning = ["layer4", "layer3", "layer2", "layer1", "conv1"][:trainable_layers]
    if "conv1" in learning:
        learning.append("bn1")
    for name, module in list(trunk.named_children()):
        if name not in learning:
            module.requires_grad_(False)
            _freeze_batchnorm(trunk, name, module)


def _freeze_batchnorm(parent: nn.Module, name: str, module: nn.Module) -> None:
    """Replace ``module`` (``parent.name``) and every BatchNorm2d under it by FrozenBatchNorm2d."""
    if isinstance(module, nn.BatchNorm2d):
        frozen = FrozenBatchNorm2d(module.num_features, eps=module.eps)
        for k in ("weight", "bias", "running_mean", "running_var"):
            getattr(frozen, k).copy_(getattr(module, k).detach())
        setattr(parent, name, frozen)
        return
    for child_name, child in list(module.named_children()):
        _freeze_batchnorm(module, child_name, child)


def build_detector(trunk: Backbone, num_classes: int, mean: list[float], std: list[float],
                   spec: DetectorSpec) -> FasterRCNN:
    """Faster R-CNN + FPN on ``trunk``; ``num_classes`` counts the objects, not background."""
    freeze_stages(trunk, spec.trainable_layers)
    expansion = trunk.num_features // (trunk.width * 8)
    layers = sorted(set(spec.fpn_layers))
    in_channels = [trunk.width * 2 ** (i - 1) * expansion for i in layers]
    names = [str(k) for k in range(len(layers))]
    body = BackboneWithFPN(trunk, {f"layer{i}": n for i, n in zip(layers, names)}, in_channels,
                           spec.fpn_channels)
    strides = [(1 if trunk.small_stem else 4) * 2 ** (i - 1) for i in layers]
    strides.append(strides[-1] * 2)  # the max-pooled extra level
    sizes = spec.anchor_sizes or [8 * s for s in strides]
    if len(sizes) != len(strides):
        raise ValueError(f"anchor_sizes needs one size per pyramid level ({len(strides)}), got {len(sizes)}")
    anchors = AnchorGenerator(tuple((s,) for s in sizes), ((0.5, 1.0, 2.0),) * len(sizes))
    channels = len(mean)
    return FasterRCNN(
        body, num_classes=None, min_size=spec.min_size, max_size=spec.max_size,
        image_mean=list(mean) * (3 // channels), image_std=list(std) * (3 // channels),
        rpn_anchor_generator=anchors,
        rpn_pre_nms_top_n_train=spec.rpn_proposals_train * 2, rpn_post_nms_top_n_train=spec.rpn_proposals_train,
        rpn_pre_nms_top_n_test=spec.rpn_proposals_test * 2, rpn_post_nms_top_n_test=spec.rpn_proposals_test,
        box_roi_pool=MultiScaleRoIAlign(names, output_size=7, sampling_ratio=2),
        box_head=TwoMLPHead(spec.fpn_channels * 7 * 7, spec.box_head_dim),
        box_predictor=FastRCNNPredictor(spec.box_head_dim, num_classes + 1),
        box_batch_size_per_image=spec.box_batch_size_per_image, box_score_thresh=spec.score_threshold,
    )


def _to_tensor(img: np.ndarray) -> torch.Tensor:
    """(H, W, C) uint8 -> (3, H, W) float in [0, 1]; grey images are repeated to 3 channels."""
    x = to_float(torch.from_numpy(np.array(img))[None])[0]
    return x.expand(3, -1, -1).contiguous() if x.shape[0] == 1 else x


def _targets(split: DetectionSplit, idx: np.ndarray, flip: torch.Tensor) -> tuple[list, list]:
    images, targets = [], []
    for i, f in zip(idx, flip.tolist()):
        x = _to_tensor(split.images[i])
        boxes = torch.as_tensor(split.boxes[i], dtype=torch.float32).reshape(-1, 4)
        if f:
            w = x.shape[-1]
            x = x.flip(-1)
            boxes = torch.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0], boxes[:, 3]], 1)
        images.append(x)
        targets.append({"boxes": boxes, "labels": torch.as_tensor(split.labels[i], dtype=torch.int64)})
    return images, targets


def train_detector(model: FasterRCNN, split: DetectionSplit, spec: DetectorSpec, seed: int = 0,
                   on_epoch: Callable[[dict], None] | None = None, desc: str = "detect") -> list[dict]:
    """Fine-tune ``model`` in place on ``split``; returns one row of losses per epoch."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum, weight_decay=spec.weight_decay)
    n = len(split)
    steps = max(1, math.ceil(n / spec.batch_size))
    total = spec.epochs * steps
    warm = min(spec.warmup_iters, total - 1)

    def factor(it: int) -> float:
        if it < warm:
            return 0.001 + (1 - 0.001) * it / warm
        return 0.5 * (1 + math.cos(math.pi * (it - warm) / max(1, total - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    history = []
    for epoch in range(spec.epochs):
        model.train()
        perm = torch.randperm(n, generator=g).numpy()
        sums: dict[str, float] = {}
        start = time.perf_counter()
        bar = tqdm(range(steps), desc=f"{desc} {epoch + 1}/{spec.epochs}", leave=False, mininterval=2.0)
        for step in bar:
            idx = perm[step * spec.batch_size:(step + 1) * spec.batch_size]
            flip = torch.rand(len(idx), generator=g) < spec.flip_p
            images, targets = _targets(split, idx, flip)
            losses = model(images, targets)
            loss = sum(losses.values())
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(f"{desc}: the detection loss became {value} at epoch "
                                         f"{epoch + 1}; lower detect.detector.lr")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            for k, v in losses.items():
                sums[k] = sums.get(k, 0.0) + v.item()
            sums["loss"] = sums.get("loss", 0.0) + value
            bar.set_postfix(loss=f"{value:.3f}", refresh=False)
        row = {"epoch": epoch + 1, **{k: v / steps for k, v in sums.items()},
               "images_per_second": n / (time.perf_counter() - start)}
        history.append(row)
        if on_epoch:
            on_epoch(row)
    model.eval()
    return history


@torch.no_grad()
def predict(model: FasterRCNN, split: DetectionSplit, batch_size: int = 16) -> list[dict[str, np.ndarray]]:
    """Per image: ``boxes`` (n, 4) xyxy, ``labels`` (n,), ``scores`` (n,)."""
    model.eval()
    out = []
    for start in range(0, len(split), batch_size):
        images = [_to_tensor(img) for img in split.images[start:start + batch_size]]
        for p in model(images):
            out.append({k: v.numpy() for k, v in p.items()})
    return out


class DetectParams(BackboneSelection):
    """Parameters of the ``detect`` pipeline."""

    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    train_split: str = "train"
    eval_split: str = "val"
    detector: DetectorSpec = DetectorSpec()
    draw_images: int = Field(6, ge=0)   # validation images drawn with boxes


def check_detection_data(train: DetectionSplit | None, evaluation: DetectionSplit | None, params: DetectParams) -> None:
    """Refuse, in one sentence, a dataset the detector cannot learn from or be scored on."""
    for role, split, name in (("train", train, params.train_split), ("eval", evaluation, params.eval_split)):
        if split is None:
            raise ValueError(f"the detection dataset has no '{name}' split (detect.{role}_split)")
        if split.num_boxes == 0:
            raise ValueError(f"the detection dataset's '{name}' split has no boxes: nothing to "
                             f"{'learn' if role == 'train' else 'score'}")


def image_statistics(split: DetectionSplit) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of a split's pixels in [0, 1]."""
    flat = np.concatenate([img.reshape(-1, img.shape[-1]) for img in split.images]).astype(np.float64) / 255
    return flat.mean(0).tolist(), flat.std(0).clip(min=1e-6).tolist()
