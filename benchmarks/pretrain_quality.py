"""Pretrain with the default configuration, then probe the frozen features.

Prints wall time, the linear-probe and 20-NN top-1 on the Fashion-MNIST test split, and the
same for a random-init network of the same shape. Run after `kedro run --pipeline=preprocess`:

    python benchmarks/pretrain_quality.py [key=value ...]

Overrides: `key=value` for the pretrain parameters, `multicrop.key=value` and `augment.key=value`
for the multi-crop spec written by preprocess (values are YAML). `backbone=PATH` skips the
training and probes a saved backbone (PATH.pt with its PATH.json, e.g. the one `kedro run`
wrote: `backbone=data/06_models/swav_backbone`).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch
import yaml

from swav_pipeline.data.packed import read_packed
from swav_pipeline.evaluation.features import extract_features
from swav_pipeline.evaluation.knn import knn_accuracy
from swav_pipeline.evaluation.linear import linear_probe_accuracy
from swav_pipeline.swav.backbones import build_backbone, load_backbone
from swav_pipeline.swav.config import PretrainConfig
from swav_pipeline.swav.multicrop import AugmentSpec, MultiCropSpec
from swav_pipeline.swav.train import PretrainInputs, pretrain

ROOT = Path(__file__).resolve().parents[1]


def probe(backbone, packed) -> dict:
    f = lambda split: extract_features(backbone, packed.images[split], packed.mean, packed.std)  # noqa: E731
    tr, te = f("train"), f("test")
    ytr, yte = torch.from_numpy(packed.labels["train"]), torch.from_numpy(packed.labels["test"])
    lin = linear_probe_accuracy(tr, ytr, te, yte)  # the paper's 100 epochs at lr 0.3
    return {"linear_top1": lin["top1"], "knn20_top1": knn_accuracy(tr, ytr, te, yte, k=20)}


def probe_saved(path: str) -> None:
    packed = read_packed(ROOT / "data/03_primary/pretrain")
    info = json.loads(Path(f"{path}.json").read_text())
    config = {k: info[k] for k in ("arch", "width", "small_stem")}
    print(json.dumps({"backbone": path, "swav": probe(load_backbone(f"{path}.pt", config), packed)}))


def main(argv: list[str]) -> None:
    saved = [a.split("=", 1)[1] for a in argv if a.startswith("backbone=")]
    if saved:
        return probe_saved(saved[0])
    params = yaml.safe_load((ROOT / "conf/base/parameters_pretrain.yml").read_text())["pretrain"]
    spec = json.loads((ROOT / "data/05_model_input/multicrop_spec.json").read_text())
    for kv in argv:
        k, v = kv.split("=", 1)
        section, _, name = k.rpartition(".")
        (spec[section] if section else params)[name] = yaml.safe_load(v)
    params["resume"] = False
    params["checkpoint_dir"] = "/tmp/swav-bench-ckpt"
    cfg = PretrainConfig(**params)
    packed = read_packed(ROOT / "data/03_primary/pretrain")
    inputs = PretrainInputs(packed, MultiCropSpec(**spec["multicrop"]), AugmentSpec(**spec["augment"]))
    t0 = time.perf_counter()
    result = pretrain(cfg, inputs)
    wall = time.perf_counter() - t0
    swav = build_backbone(**result.backbone_config)
    swav.load_state_dict(result.backbone_state)
    torch.manual_seed(cfg.seed)
    random = build_backbone(**result.backbone_config)
    print(json.dumps({"overrides": argv, "pretrain_seconds": round(wall, 1),
                      "images_per_second": round(result.history[-1]["images_per_second"], 1),
                      "swav": probe(swav, packed), "random": probe(random, packed)}))


if __name__ == "__main__":
    main(sys.argv[1:])
