"""Pretraining throughput against its ceiling, side by side in one run.

Prints the pipeline's pretraining img/s (packed uint8 -> batched multi-crop -> SwAV step with
LARC, Sinkhorn and the loss), the raw forward+backward img/s of the same model on random
tensors with the same crops and batch (the ceiling), and their ratio. Run after
`kedro run --pipeline=preprocess`:

    python benchmarks/pretrain_throughput.py [steps]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch
import yaml

from swav_pipeline.data.packed import read_packed
from swav_pipeline.swav.backbones import build_backbone
from swav_pipeline.swav.config import PretrainConfig
from swav_pipeline.swav.loss import swav_loss
from swav_pipeline.swav.model import SwAVModel
from swav_pipeline.swav.multicrop import AugmentSpec, MultiCropSpec
from swav_pipeline.swav.train import PretrainInputs, pretrain

ROOT = Path(__file__).resolve().parents[1]


def raw_ceiling(cfg: PretrainConfig, spec: MultiCropSpec, steps: int) -> float:
    torch.manual_seed(0)
    model = SwAVModel(build_backbone(cfg.arch, cfg.width, True), cfg.hidden_mlp, cfg.feat_dim, cfg.nmb_prototypes)
    model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    b = cfg.batch_size
    crops = [torch.randn(b, 3, s, s).contiguous(memory_format=torch.channels_last) for s in spec.crop_sizes]
    for i in range(steps + 2):
        if i == 2:
            t0 = time.perf_counter()
        _, scores = model(crops)
        loss = swav_loss(list(scores.split(b)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return steps * b / (time.perf_counter() - t0)


def pipeline_rate(cfg: PretrainConfig, inputs: PretrainInputs, steps: int) -> float:
    run = PretrainConfig(**{**cfg.model_dump(), "epochs": 1, "max_steps_per_epoch": steps + 2, "resume": False,
                            "checkpoint_dir": "/tmp/swav-throughput", "knn": {"every_epochs": 0},
                            "checkpoint_every_steps": 10**6})
    times = []
    pretrain(run, inputs, on_step=lambda s: times.append(time.perf_counter()))
    return steps * cfg.batch_size / (times[-1] - times[1])


def main(steps: int = 20) -> None:
    params = yaml.safe_load((ROOT / "conf/base/parameters_pretrain.yml").read_text())["pretrain"]
    cfg = PretrainConfig(**params)
    packed = read_packed(ROOT / "data/03_primary/pretrain")
    spec = json.loads((ROOT / "data/05_model_input/multicrop_spec.json").read_text())
    inputs = PretrainInputs(packed, MultiCropSpec(**spec["multicrop"]), AugmentSpec(**spec["augment"]))
    ceiling = raw_ceiling(cfg, inputs.multicrop, steps)
    rate = pipeline_rate(cfg, inputs, steps)
    ceiling_after = raw_ceiling(cfg, inputs.multicrop, steps)  # bracket the pipeline against drift
    ceiling = (ceiling + ceiling_after) / 2
    print(f"crops {inputs.multicrop.crop_sizes}, batch {cfg.batch_size}, threads {torch.get_num_threads()}")
    print(f"pipeline  {rate:8.1f} img/s")
    print(f"ceiling   {ceiling:8.1f} img/s  (raw fwd+bwd on random tensors)")
    print(f"ratio     {rate / ceiling:8.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
