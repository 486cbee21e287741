"""The SwAV training loop: resumable, deterministic on CPU, distributed-ready, framework-free.

``pretrain()`` is the entry point; live metrics leave through ``on_epoch`` (called on rank 0
with each epoch's metrics dict) and ``on_step`` (rank 0, after every optimiser step).
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm.auto import tqdm

from swav_pipeline.data.packed import PackedSplits
from swav_pipeline.evaluation.features import extract_features
from swav_pipeline.evaluation.knn import knn_accuracy

from .backbones import build_backbone
from .checkpoint import load_safe, save_atomic
from .config import PretrainConfig
from .distributed import device_for_rank, init_from_env, world
from .lars import LARC
from .loss import swapped_prediction
from .model import SwAVModel
from .multicrop import AugmentSpec, BatchMultiCrop, MultiCropSpec
from .queue import EmbeddingQueue
from .schedules import warmup_cosine

log = logging.getLogger(__name__)


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or infinite loss."""


class TrainingInterrupted(RuntimeError):
    """SIGTERM arrived; a checkpoint was written and training stopped."""


@dataclass
class PretrainResult:
    backbone_state: dict[str, torch.Tensor]
    backbone_config: dict
    history: list[dict]
    prototype_usage: np.ndarray
    checkpoint: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class PretrainInputs:
    packed: PackedSplits
    multicrop: MultiCropSpec
    augment: AugmentSpec


def _seed_for(*parts: int) -> int:
    """A stable 63-bit seed from integers (epoch, step, ...)."""
    h = 1469598103934665603
    for p in parts:
        h = ((h ^ (p & 0xFFFFFFFFFFFF)) * 1099511628211) % (1 << 63)
    return h


def _autocast(device: torch.device, precision: str):
    if precision == "auto":
        if device.type == "cuda":
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        else:
            precision = "fp32"
    if precision == "fp32":
        return torch.autocast(device.type, enabled=False), None, precision
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    scaler = torch.amp.GradScaler(device.type) if precision == "fp16" else None
    return torch.autocast(device.type, dtype=dtype), scaler, precision


def usage_entropy(counts: np.ndarray) -> float:
    """Entropy of prototype usage, normalised to [0, 1] by ln K (1: all used equally)."""
    p = counts / max(counts.sum(), 1)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / math.log(len(counts)))


class _SigtermFlag:
    """Turns SIGTERM into a flag the loop checks after each step (main thread only)."""

    def __init__(self):
        self.raised = False
        self._old = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.raised:  # a second SIGTERM does not wait for the step to finish
            raise SystemExit(143)
        self.raised = True

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)


def checkpoint_path(cfg: PretrainConfig, inputs: PretrainInputs) -> Path:
    """Checkpoints live in a folder named after the configuration's fingerprint, so re-running
    the same configuration resumes and a changed one starts afresh."""
    meta = inputs.packed.meta
    fp = cfg.fingerprint(inputs.multicrop.model_dump(), inputs.augment.model_dump(),
                         meta.get("splits"), meta.get("mean"), meta.get("source"))
    return Path(cfg.checkpoint_dir) / f"pretrain-{fp}" / "last.pt"


def pretrain(cfg: PretrainConfig, inputs: PretrainInputs,
             on_epoch: Callable[[dict], None] | None = None,
             on_step: Callable[[int], None] | None = None) -> PretrainResult | None:
    """Train SwAV on ``inputs.packed.images['train']``; returns the result on rank 0."""
    distributed = init_from_env(cfg.distributed.backend)
    rank, world_size = world()
    device = device_for_rank(cfg.device)
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    spec, packed = inputs.multicrop, inputs.packed
    cfg.check_crops(sum(spec.nmb_crops))

    train_images = packed.images["train"]
    n_train = min(len(train_images), cfg.train_limit or len(train_images))
    per_step = cfg.batch_size * world_size
    iters = n_train // per_step
    if iters == 0:
        raise ValueError(f"Parameter 'pretrain.batch_size' = {cfg.batch_size} is not allowed: it is larger than "
                         f"the {n_train} training images divided among {world_size} process(es).")
    if cfg.max_steps_per_epoch:
        iters = min(iters, cfg.max_steps_per_epoch)
    schedule = warmup_cosine(cfg.base_lr, cfg.final_lr, cfg.epochs, iters, cfg.warmup_epochs, cfg.start_warmup)
    queue_length = cfg.queue_length - cfg.queue_length % per_step

    torch.manual_seed(cfg.seed)
    backbone = build_backbone(**cfg.backbone_args(packed.meta["store_size"]))
    model = SwAVModel(backbone, cfg.hidden_mlp, cfg.feat_dim, cfg.nmb_prototypes)
    if cfg.sync_bn and distributed:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
    model = model.to(device, memory_format=memory_format)
    core: SwAVModel = model
    if distributed:
        model = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    base_opt = torch.optim.SGD(model.parameters(), lr=cfg.base_lr, momentum=cfg.momentum,
                               weight_decay=cfg.weight_decay, foreach=True)
    optimizer = LARC(base_opt, cfg.trust_coefficient) if cfg.lars else base_opt
    autocast, scaler, precision = _autocast(device, cfg.precision)
    multicrop = BatchMultiCrop(spec, packed.mean, packed.std, inputs.augment, cfg.channels_last)

    ckpt_file = checkpoint_path(cfg, inputs)
    if rank == 0:
        log.info("SwAV on %s (%s), %d process(es), %d steps/epoch of %d images, %s x %s crops",
                 device, precision, world_size, iters, per_step, spec.nmb_crops, spec.size_crops)
    state = {"epoch": 0, "iteration": 0, "history": [], "queue": None,
             "usage": torch.zeros(cfg.nmb_prototypes, dtype=torch.int64), "loss_sum": 0.0}
    if cfg.resume and ckpt_file.exists():  # a finished checkpoint makes the loop below a no-op
        saved = load_safe(ckpt_file, map_location=device)
        core.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        state.update({k: saved[k] for k in state})
        state["usage"] = state["usage"].cpu()
        if rank == 0:
            log.info("resuming from %s at epoch %d, step %d", ckpt_file, state["epoch"], state["iteration"])
    queue = None
    if state["queue"] is not None:
        queue = EmbeddingQueue(len(cfg.crops_for_assign), queue_length // world_size, cfg.feat_dim, device)
        queue.load_state_dict({"embeddings": state["queue"]})

    def save(epoch: int, iteration: int) -> None:
        if rank != 0:
            return
        save_atomic({
            "model": core.state_dict(), "optimizer": optimizer.state_dict(),
            "queue": None if queue is None else queue.embeddings,
            "epoch": epoch, "iteration": iteration, "history": state["history"],
            "usage": state["usage"], "loss_sum": state["loss_sum"],
        }, ckpt_file)

    # Labeled subsets for the online kNN monitor (labels never reach the SwAV loss).
    knn_on = cfg.knn.every_epochs > 0 and "val" in packed.images and rank == 0
    bank_n = min(cfg.knn.bank, n_train)
    warnings: list[str] = []
    stuck = 0
    usage_final = state["usage"].numpy().copy()
    with _SigtermFlag() as sigterm:
        for epoch in range(state["epoch"], cfg.epochs):
            use_queue = queue_length > 0 and epoch >= cfg.epoch_queue_starts
            if use_queue and queue is None:
                queue = EmbeddingQueue(len(cfg.crops_for_assign), queue_length // world_size, cfg.feat_dim, device)
            order = torch.randperm(n_train, generator=torch.Generator().manual_seed(_seed_for(cfg.seed, epoch)))
            order = order[: iters * per_step].view(iters, world_size, cfg.batch_size)[:, rank]
            start_it = state["iteration"]
            if start_it == 0:
                state["usage"].zero_()
                state["loss_sum"] = 0.0
            model.train()
            t0, seen = time.perf_counter(), 0
            bar = tqdm(range(start_it, iters), desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=rank != 0,
                       initial=start_it, total=iters, leave=False, dynamic_ncols=True)
            for it in bar:
                step = epoch * iters + it
                lr = float(schedule[step])
                for group in optimizer.param_groups:
                    group["lr"] = lr
                idx = np.sort(order[it].numpy())
                batch = torch.from_numpy(np.array(train_images[idx]))
                g = torch.Generator().manual_seed(_seed_for(cfg.seed, epoch, it, rank))
                crops = [c.to(device, non_blocking=True) for c in multicrop(batch, g)]
                core.normalize_prototypes()
                with autocast:
                    z, scores = model(crops)
                bs = crops[0].shape[0]
                per_crop = list(scores.float().split(bs))
                queue_scores = None
                if queue is not None:
                    with torch.no_grad():
                        queue_scores = queue.scores(core.prototypes.weight.detach())
                loss, codes = swapped_prediction(per_crop, cfg.crops_for_assign, cfg.temperature,
                                                 cfg.epsilon, cfg.sinkhorn_iterations, queue_scores)
                loss_value = loss.item()
                if not math.isfinite(loss_value):
                    raise NonFiniteLossError(
                        f"the SwAV loss became {loss_value} at epoch {epoch + 1}, step {it + 1} (lr {lr:.4g}); "
                        f"training stopped and the last good checkpoint is kept at {ckpt_file}. "
                        "Lower pretrain.base_lr, raise pretrain.epsilon or use precision fp32."
                    )
                optimizer.zero_grad(set_to_none=True)
                if scaler is not None:
                    scaler.scale(loss).backward()
                else:
                    loss.backward()
                if step < cfg.freeze_prototypes_niters:
                    core.prototypes.weight.grad = None
                if scaler is not None:
                    scaler.unscale_(base_opt)
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    optimizer.step()
                if queue is not None:
                    queue.push([z[c * bs:(c + 1) * bs] for c in cfg.crops_for_assign])
                for q in codes:
                    state["usage"] += torch.bincount(q.argmax(1).cpu(), minlength=cfg.nmb_prototypes)
                state["loss_sum"] += loss_value
                seen += bs * world_size
                rate = seen / (time.perf_counter() - t0)
                bar.set_postfix(loss=f"{loss_value:.3f}", lr=f"{lr:.3g}", img_s=f"{rate:.0f}", refresh=False)
                state["iteration"] = it + 1
                if (it + 1) % cfg.checkpoint_every_steps == 0 and it + 1 < iters:
                    save(epoch, it + 1)
                if on_step is not None and rank == 0:
                    on_step(step + 1)
                if sigterm.raised:
                    save(epoch, it + 1)
                    raise TrainingInterrupted(
                        f"SIGTERM at epoch {epoch + 1}, step {it + 1}: checkpoint saved to {ckpt_file}; "
                        "run the same command again to resume."
                    )
            bar.close()
            elapsed = time.perf_counter() - t0
            steps_done = iters - start_it
            usage = state["usage"].clone()
            if distributed:
                dist.all_reduce(usage)
            metrics = {
                "epoch": epoch + 1,
                "loss": state["loss_sum"] / iters,
                "lr": float(schedule[min((epoch + 1) * iters, len(schedule)) - 1]),
                "images_per_second": steps_done * per_step / max(elapsed, 1e-9),
                "prototype_usage_entropy": usage_entropy(usage.numpy()),
                "epoch_seconds": elapsed,
            }
            if knn_on and (epoch + 1) % cfg.knn.every_epochs == 0:
                bank = extract_features(core.backbone, packed.images["train"][:bank_n], packed.mean, packed.std, device=device)
                val = extract_features(core.backbone, packed.images["val"], packed.mean, packed.std, device=device)
                metrics["knn_top1"] = knn_accuracy(
                    bank, torch.from_numpy(packed.labels["train"][:bank_n]), val,
                    torch.from_numpy(packed.labels["val"]), cfg.knn.k, cfg.knn.temperature)
            if rank == 0:
                stuck = stuck + 1 if abs(metrics["loss"] - math.log(cfg.nmb_prototypes)) < cfg.collapse.loss_tolerance else 0
                alarm = _collapse_alarm(metrics, stuck, cfg)
                if alarm:
                    log.warning(alarm)
                    warnings.append(alarm)
                log.info("epoch %d/%d: %s", epoch + 1, cfg.epochs,
                         ", ".join(f"{k} {v:.4g}" for k, v in metrics.items() if k != "epoch"))
            state["history"].append(metrics)
            state["iteration"] = 0
            usage_final = usage.numpy().copy()
            save(epoch + 1, 0)
            if on_epoch is not None and rank == 0:
                on_epoch(metrics)
    if rank != 0:
        return None
    return PretrainResult(
        backbone_state={k: v.detach().cpu().clone() for k, v in core.backbone.state_dict().items()},
        backbone_config=core.backbone.config(), history=state["history"],
        prototype_usage=usage_final, checkpoint=str(ckpt_file), warnings=warnings,
    )


def _collapse_alarm(metrics: dict, stuck: int, cfg: PretrainConfig) -> str:
    remedies = ("Usual remedies: lower pretrain.epsilon (e.g. 0.05 -> 0.03), freeze the prototypes longer "
                "(pretrain.freeze_prototypes_niters), start the queue later (pretrain.epoch_queue_starts) "
                "or lower pretrain.base_lr.")
    if metrics["prototype_usage_entropy"] < cfg.collapse.entropy_threshold:
        return (f"Possible collapse at epoch {metrics['epoch']}: prototype-usage entropy "
                f"{metrics['prototype_usage_entropy']:.3f} is under {cfg.collapse.entropy_threshold} "
                f"(few prototypes take all samples). {remedies}")
    if stuck >= cfg.collapse.patience:
        return (f"Possible collapse at epoch {metrics['epoch']}: the loss has sat at ln K = "
                f"{math.log(cfg.nmb_prototypes):.3f} for {stuck} epochs (predictions are uniform). {remedies}")
    return ""
