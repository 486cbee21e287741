from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from swav_pipeline.config import parse
from swav_pipeline.data.packed import PackedSplits, SplitSource
from swav_pipeline.data.preparation import PreprocessParams, plan_store
from swav_pipeline.plots import crop_preview
from swav_pipeline.swav.multicrop import BatchMultiCrop

log = logging.getLogger(__name__)


def pack_role(manifest: pd.DataFrame, raw: np.ndarray, params: dict, role: str
              ) -> tuple[tuple[dict[str, SplitSource], dict], dict]:
    p = parse(PreprocessParams, params, "preprocess")
    splits, meta = plan_store(manifest, raw, getattr(p, role), p.seed, role)
    counts = {f"{role}_{k}": {"value": float(v.n), "step": 0} for k, v in splits.items()}
    log.info("preprocess %s: %s at %dpx, %d channel(s)", role,
             {k: v.n for k, v in splits.items()}, meta["store_size"], meta["channels"])
    return (splits, meta), counts


def fix_multicrop(packed: PackedSplits, params: dict) -> dict:
    """Check the multi-crop spec against the stored size and freeze it (with the store's stats)."""
    p = parse(PreprocessParams, params, "preprocess")
    try:
        p.multicrop.check_store(packed.meta["store_size"])
    except ValueError as exc:
        raise ValueError(f"Parameter 'preprocess.multicrop': {exc}.") from None
    return {"multicrop": p.multicrop.model_dump(), "augment": p.augment.model_dump(),
            "mean": packed.mean, "std": packed.std, "store_size": packed.meta["store_size"]}


def preview(packed: PackedSplits, spec: dict, params: dict):
    p = parse(PreprocessParams, params, "preprocess")
    images = np.array(packed.images["train"][: p.preview.images])
    mc = BatchMultiCrop(p.multicrop, spec["mean"], spec["std"], p.augment)
    return crop_preview(images, mc, seed=p.preview.seed)


def merge_metrics(*metrics: dict) -> dict:
    return {k: v for m in metrics for k, v in m.items()}
