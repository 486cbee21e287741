"""Typed pretraining configuration (the ``pretrain`` parameters)."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .backbones import Arch


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KnnMonitor(_Strict):
    bank: int = Field(5000, ge=1)          # labeled train images used as the kNN bank
    k: int = Field(20, ge=1)
    temperature: float = Field(0.07, gt=0)
    every_epochs: int = Field(1, ge=0)     # 0 disables the monitor


class CollapseAlarm(_Strict):
    entropy_threshold: float = Field(0.2, ge=0, le=1)   # normalised prototype-usage entropy
    loss_tolerance: float = Field(0.02, ge=0)           # |loss - ln K| below this counts as stuck
    patience: int = Field(2, ge=1)                      # epochs stuck at ln K before warning


class DistributedParams(_Strict):
    nproc_per_node: int = Field(1, ge=1)
    nnodes: int = Field(1, ge=1)
    rdzv_endpoint: str = "localhost:29400"   # host:port of the first node, for nnodes > 1
    rdzv_id: str = "swav-pipeline"
    backend: Literal["auto", "gloo", "nccl"] = "auto"


class PretrainConfig(_Strict):
    # model
    arch: Arch = "resnet18"
    # Channels of the first stage (torchvision: 64). At least 8: PyTorch 2.14's channels-last
    # CPU convolution corrupts memory with 4 channels.
    width: int = Field(16, ge=8)
    small_stem: bool | None = None            # None: 3x3 stem without max-pool for images <= 64 px
    hidden_mlp: int = Field(512, ge=0)
    feat_dim: int = Field(64, ge=2)
    nmb_prototypes: int = Field(100, ge=2)
    # optimisation
    epochs: int = Field(3, ge=1)
    batch_size: int = Field(128, ge=2)        # per process
    base_lr: float = Field(0.6, gt=0)
    final_lr: float = Field(0.0006, ge=0)
    warmup_epochs: float = Field(0.0, ge=0)
    start_warmup: float = Field(0.0, ge=0)
    weight_decay: float = Field(1e-6, ge=0)
    momentum: float = Field(0.9, ge=0, lt=1)
    lars: bool = True
    trust_coefficient: float = Field(0.001, gt=0)
    freeze_prototypes_niters: int = Field(0, ge=0)
    # SwAV
    crops_for_assign: list[int] = Field(default=[0, 1], min_length=1)
    temperature: float = Field(0.1, gt=0)
    epsilon: float = Field(0.05, gt=0)
    sinkhorn_iterations: int = Field(3, ge=1)
    queue_length: int = Field(0, ge=0)
    epoch_queue_starts: int = Field(15, ge=0)
    # machinery
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    sync_bn: bool = False
    channels_last: bool = True
    device: str = "auto"
    num_threads: int | None = Field(None, ge=1)
    seed: int = 0
    train_limit: int | None = Field(None, ge=1)
    max_steps_per_epoch: int | None = Field(None, ge=1)
    checkpoint_dir: str = "data/06_models/checkpoints"
    checkpoint_every_steps: int = Field(100, ge=1)
    resume: bool = True
    knn: KnnMonitor = KnnMonitor()
    collapse: CollapseAlarm = CollapseAlarm()
    distributed: DistributedParams = DistributedParams()

    @model_validator(mode="after")
    def _check(self) -> PretrainConfig:
        if self.final_lr > self.base_lr:
            raise ValueError(f"final_lr ({self.final_lr}) must not exceed base_lr ({self.base_lr})")
        if self.warmup_epochs > self.epochs:
            raise ValueError(f"warmup_epochs ({self.warmup_epochs}) must not exceed epochs ({self.epochs})")
        if len(set(self.crops_for_assign)) != len(self.crops_for_assign):
            raise ValueError(f"crops_for_assign {self.crops_for_assign} repeats a crop")
        return self

    def check_crops(self, n_crops: int) -> None:
        bad = [c for c in self.crops_for_assign if not 0 <= c < n_crops]
        if bad:
            raise ValueError(
                f"Parameter 'pretrain.crops_for_assign' = {self.crops_for_assign} is not allowed: "
                f"the multi-crop spec gives crops 0..{n_crops - 1}."
            )

    def backbone_args(self, store_size: int) -> dict:
        """``build_backbone`` arguments, the stem resolved for images of ``store_size`` px."""
        small = self.small_stem if self.small_stem is not None else store_size <= 64
        return {"arch": self.arch, "width": self.width, "small_stem": small}

    def fingerprint(self, *extra) -> str:
        """A short hash of everything that changes the trained weights (not logging or resume knobs)."""
        skip = {"knn", "collapse", "checkpoint_dir", "checkpoint_every_steps", "resume", "num_threads", "device"}
        payload = json.dumps([self.model_dump(exclude=skip), *extra], sort_keys=True, default=str)
        return hashlib.sha1(payload.encode()).hexdigest()[:12]
