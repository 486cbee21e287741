"""From an ingested manifest to packed, split, memory-mappable storage."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from swav_pipeline.swav.multicrop import AugmentSpec, MultiCropSpec

from .packed import SplitSource, split_from_rows
from .splits import stratified_holdout


class StoreParams(BaseModel):
    """How one role is split and stored.

    The test split is the source's own ``test`` split when it has one, else a stratified
    ``test_fraction`` of the rest; ``val_per_class`` labeled images per class are held out
    of ``train`` for monitoring (online kNN during pretraining).
    """

    model_config = ConfigDict(extra="forbid")

    store_size: int = Field(28, ge=8, le=1024)
    channels: int | None = Field(None, ge=1, le=3)
    test_fraction: float = Field(0.2, gt=0, lt=1)
    val_per_class: int = Field(100, ge=0)
    limit_train: int | None = Field(None, ge=1)


class PreviewParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    images: int = Field(6, ge=1, le=32)
    seed: int = 0


class PreprocessParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    pretrain: StoreParams = StoreParams()
    transfer: StoreParams = StoreParams(val_per_class=0)
    multicrop: MultiCropSpec = MultiCropSpec()
    augment: AugmentSpec = AugmentSpec()
    preview: PreviewParams = PreviewParams()


def assign_splits(manifest: pd.DataFrame, p: StoreParams, seed: int) -> pd.Series:
    """Deterministic split names (train / val / test) for every manifest row."""
    labels = manifest["label"].to_numpy()
    split = np.where(manifest["split"].to_numpy() == "test", "test", "train").astype(object)
    if not (split == "test").any():
        split[stratified_holdout(labels, fraction=p.test_fraction, seed=seed)] = "test"
    train = np.flatnonzero(split == "train")
    if p.limit_train:
        rng = np.random.default_rng(seed + 1)
        dropped = rng.permutation(train)[p.limit_train:]
        split[dropped] = "unused"
        train = np.flatnonzero(split == "train")
    if p.val_per_class and (labels[train] >= 0).any():
        held = stratified_holdout(labels[train], per_class=p.val_per_class, seed=seed + 2)
        split[train[held]] = "val"
    return pd.Series(split, index=manifest.index, name="store_split")


def plan_store(manifest: pd.DataFrame, raw: np.ndarray, p: StoreParams, seed: int, role: str
               ) -> tuple[dict[str, SplitSource], dict]:
    """Lazy splits ready for ``write_packed`` and the store's metadata (stats added when written)."""
    assigned = assign_splits(manifest, p, seed)
    channels = p.channels or (1 if (manifest["channels"] == 1).all() else 3)
    names = manifest.drop_duplicates("label").sort_values("label")
    class_names = [str(n) for n in names.loc[names["label"] >= 0, "label_name"]]
    splits = {}
    for name in ("train", "val", "test"):
        rows = manifest[assigned == name]
        if name != "val" or len(rows):
            splits[name] = split_from_rows(
                raw, rows["path"].tolist(), rows["index"].to_numpy(), rows["label"].to_numpy(),
                p.store_size, channels,
            )
    meta = {"role": role, "store_size": p.store_size, "channels": channels,
            "class_names": class_names, "source": str(manifest["source"].iloc[0])}
    return splits, meta
