import math
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from swav_pipeline.config import ParameterError, parse
from swav_pipeline.swav.backbones import build_backbone, load_backbone
from swav_pipeline.swav.checkpoint import load_safe
from swav_pipeline.swav.config import PretrainConfig
from swav_pipeline.swav.multicrop import AugmentSpec, MultiCropSpec
from swav_pipeline.swav.train import (
    NonFiniteLossError, PretrainInputs, TrainingInterrupted, checkpoint_path, pretrain, usage_entropy,
)

TINY = dict(width=8, hidden_mlp=16, feat_dim=8, nmb_prototypes=10, epochs=2, batch_size=16,
            max_steps_per_epoch=3, checkpoint_every_steps=1, knn={"bank": 48})
SPEC = MultiCropSpec(nmb_crops=[2, 2], size_crops=[20, 12], min_scale_crops=[0.3, 0.1], max_scale_crops=[1.0, 0.3])


def _inputs(store):
    return PretrainInputs(store, SPEC, AugmentSpec())


def test_trains_logs_each_epoch_and_saves_a_loadable_backbone(tiny_store, tmp_path):
    seen = []
    cfg = PretrainConfig(**TINY, checkpoint_dir=str(tmp_path))
    result = pretrain(cfg, _inputs(tiny_store), on_epoch=seen.append)
    assert [m["epoch"] for m in seen] == [1, 2]
    for m in seen:
        assert {"loss", "lr", "images_per_second", "prototype_usage_entropy", "knn_top1"} <= m.keys()
        assert 0 <= m["prototype_usage_entropy"] <= 1 and 0 <= m["knn_top1"] <= 1
        assert math.isfinite(m["loss"])
    assert result.prototype_usage.sum() == 3 * 16 * 2  # 3 steps x 16 images x 2 assignment crops
    torch.save(result.backbone_state, tmp_path / "b.pt")
    model = load_backbone(tmp_path / "b.pt", result.backbone_config)
    assert model(torch.zeros(2, 3, 28, 28)).shape == (2, 64)


def test_mismatched_checkpoint_is_refused(tiny_store, tmp_path):
    torch.save(build_backbone("resnet18", 8, True).state_dict(), tmp_path / "b.pt")
    with pytest.raises(ValueError, match="does not match backbone"):
        load_backbone(tmp_path / "b.pt", {"arch": "resnet18", "width": 16, "small_stem": True})


def test_checkpoints_load_with_weights_only(tiny_store, tmp_path):
    cfg = PretrainConfig(**TINY, checkpoint_dir=str(tmp_path))
    pretrain(cfg, _inputs(tiny_store))
    state = load_safe(checkpoint_path(cfg, _inputs(tiny_store)))
    assert state["epoch"] == 2 and state["iteration"] == 0 and len(state["history"]) == 2


_KILLED_RUN = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from tests.swav.conftest import make_store
    from swav_pipeline.data.packed import read_packed
    from swav_pipeline.swav.config import PretrainConfig
    from swav_pipeline.swav.train import PretrainInputs, pretrain
    from tests.swav.test_train import SPEC, TINY
    from swav_pipeline.swav.multicrop import AugmentSpec
    make_store({store!r})
    cfg = PretrainConfig(**TINY, checkpoint_dir={ckpt!r})
    def kill(step):
        if step == 4:  # mid-epoch 2, after the step-4 checkpoint
            os.kill(os.getpid(), signal.SIGKILL)
    pretrain(cfg, PretrainInputs(read_packed({store!r}), SPEC, AugmentSpec()), on_step=kill)
""")


def test_sigkill_mid_epoch_then_resume_gives_the_same_weights(tiny_store, tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    script = _KILLED_RUN.format(root=root, store=tiny_store.root, ckpt=str(tmp_path / "a"))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    cfg_a = PretrainConfig(**TINY, checkpoint_dir=str(tmp_path / "a"))
    saved = load_safe(checkpoint_path(cfg_a, _inputs(tiny_store)))
    assert (saved["epoch"], saved["iteration"]) == (1, 1)
    resumed = pretrain(cfg_a, _inputs(tiny_store))
    straight = pretrain(PretrainConfig(**TINY, checkpoint_dir=str(tmp_path / "b")), _inputs(tiny_store))
    for k, v in straight.backbone_state.items():
        assert torch.equal(v, resumed.backbone_state[k]), k


def test_sigterm_saves_and_stops(tiny_store, tmp_path):
    cfg = PretrainConfig(**TINY, checkpoint_dir=str(tmp_path))
    with pytest.raises(TrainingInterrupted, match="run the same command again to resume"):
        pretrain(cfg, _inputs(tiny_store), on_step=lambda s: s == 2 and os.kill(os.getpid(), signal.SIGTERM))
    saved = load_safe(checkpoint_path(cfg, _inputs(tiny_store)))
    assert (saved["epoch"], saved["iteration"]) == (0, 2)


def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(tiny_store, tmp_path):
    cfg = PretrainConfig(**{**TINY, "lars": False, "base_lr": 1e30, "final_lr": 1e30}, checkpoint_dir=str(tmp_path))
    with pytest.raises(NonFiniteLossError, match="last good checkpoint is kept"):
        pretrain(cfg, _inputs(tiny_store))
    saved = load_safe(checkpoint_path(cfg, _inputs(tiny_store)))
    assert all(torch.isfinite(v).all() for v in saved["model"].values() if v.is_floating_point())


def test_finished_configuration_is_not_retrained(tiny_store, tmp_path):
    cfg = PretrainConfig(**TINY, checkpoint_dir=str(tmp_path))
    first = pretrain(cfg, _inputs(tiny_store))
    calls = []
    again = pretrain(cfg, _inputs(tiny_store), on_step=calls.append)
    assert calls == [] and again.history == first.history


@pytest.mark.parametrize("values, match", [
    ({"epochs": 0}, r"'pretrain.epochs' = 0 is not allowed: Input should be greater than or equal to 1"),
    ({"arch": "vgg16"}, r"'pretrain.arch' = 'vgg16' is not allowed"),
    ({"base_lr": 0.1, "final_lr": 1.0}, r"final_lr \(1.0\) must not exceed base_lr"),
    ({"crops_for_assign": [0, 0]}, "repeats a crop"),
    ({"lr": 0.1}, r"'pretrain.lr' is not a known key"),
    ({"width": 4}, r"'pretrain.width' = 4 is not allowed"),
])
def test_parameter_errors(values, match):
    with pytest.raises(ParameterError, match=match):
        parse(PretrainConfig, values, "pretrain")


def test_assignment_crop_outside_the_spec_is_refused(tiny_store, tmp_path):
    cfg = PretrainConfig(**{**TINY, "crops_for_assign": [0, 7]}, checkpoint_dir=str(tmp_path))
    with pytest.raises(ValueError, match=r"crops_for_assign' = \[0, 7\].*crops 0..3"):
        pretrain(cfg, _inputs(tiny_store))


def test_usage_entropy_bounds():
    assert usage_entropy(np.array([5, 5, 5, 5])) == pytest.approx(1.0)
    assert usage_entropy(np.array([20, 0, 0, 0])) == pytest.approx(0.0)


def test_two_process_training_run(tiny_store, tmp_path):
    from swav_pipeline.swav.distributed import elastic_run

    cfg = PretrainConfig(**{**TINY, "batch_size": 8, "epochs": 1}, checkpoint_dir=str(tmp_path))
    result = elastic_run(pretrain, (cfg, _inputs(tiny_store)), nproc_per_node=2)
    assert result is not None and len(result.history) == 1
    # both ranks' assignments are counted: 3 steps x 8 images x 2 ranks x 2 assignment crops
    assert result.prototype_usage.sum() == 3 * 8 * 2 * 2
    assert checkpoint_path(cfg, _inputs(tiny_store)).exists()
