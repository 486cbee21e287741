import numpy as np
import pytest
import torch
from torchvision.ops.misc import FrozenBatchNorm2d

from swav_pipeline.config import ParameterError, parse
from swav_pipeline.data.detection import DetectionSplit
from swav_pipeline.evaluation.detection import (DetectorSpec, DetectParams, build_detector, check_detection_data,
                                                image_statistics, predict, train_detector)
from swav_pipeline.swav.backbones import build_backbone

TINY = DetectorSpec(epochs=3, batch_size=4, lr=0.01, warmup_iters=1, fpn_channels=16, box_head_dim=32,
                    rpn_proposals_train=30, rpn_proposals_test=30, box_batch_size_per_image=16)


def squares(n=8, size=48, seed=0) -> DetectionSplit:
    """Bright squares on a dark canvas, one or two per image, two classes by size."""
    rng = np.random.default_rng(seed)
    split = DetectionSplit()
    for i in range(n):
        img = np.zeros((size, size, 1), np.uint8)
        boxes, labels = [], []
        for _ in range(1 + i % 2):
            side = int(rng.choice([8, 16]))
            x, y = rng.integers(0, size - side, 2)
            img[y:y + side, x:x + side] = 220
            boxes.append([x, y, x + side, y + side])
            labels.append(1 if side == 8 else 2)
        split.images.append(img)
        split.file_names.append(f"{i}.png")
        split.boxes.append(np.array(boxes, np.float32))
        split.labels.append(np.array(labels, np.int64))
    return split


def test_anchor_sizes_follow_the_strides_of_the_chosen_stages():
    small = build_detector(build_backbone("resnet18", 8, True), 2, [0.5], [0.25], DetectorSpec(fpn_layers=[2, 3, 4]))
    assert [s[0] for s in small.rpn.anchor_generator.sizes] == [16, 32, 64, 128]
    standard = build_detector(build_backbone("resnet18", 8, False), 2, [0.5], [0.25], DetectorSpec())
    assert [s[0] for s in standard.rpn.anchor_generator.sizes] == [32, 64, 128, 256, 512]


def test_frozen_stages_do_not_learn_and_use_frozen_batchnorm():
    trunk = build_backbone("resnet18", 8, True)
    build_detector(trunk, 2, [0.5], [0.25], DetectorSpec(trainable_layers=3))
    assert not any(p.requires_grad for p in trunk.layer1.parameters())
    assert not trunk.conv1.weight.requires_grad
    assert isinstance(trunk.bn1, FrozenBatchNorm2d) and isinstance(trunk.layer1[0].bn1, FrozenBatchNorm2d)
    assert all(p.requires_grad for p in trunk.layer2.parameters())
    assert isinstance(trunk.layer2[0].bn1, torch.nn.BatchNorm2d)


def test_fine_tuning_lowers_the_loss_and_predicts_boxes():
    torch.manual_seed(0)
    split = squares()
    mean, std = image_statistics(split)
    model = build_detector(build_backbone("resnet18", 8, True), 2, mean, std, TINY)
    history = train_detector(model, split, TINY)
    assert len(history) == 3 and history[-1]["loss"] < history[0]["loss"]
    assert {"loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"} <= history[0].keys()
    out = predict(model, split)
    assert len(out) == len(split)
    assert all(p["boxes"].shape[1:] == (4,) and len(p["boxes"]) == len(p["scores"]) for p in out)


def test_image_statistics():
    split = squares(n=2)
    pixels = np.concatenate([i.ravel() for i in split.images]) / 255
    mean, std = image_statistics(split)
    assert mean == pytest.approx([pixels.mean()]) and std == pytest.approx([pixels.std()])


def test_a_split_without_boxes_or_a_missing_split_is_refused():
    params = DetectParams()
    empty = squares(n=2)
    empty.boxes = [np.zeros((0, 4), np.float32) for _ in empty.boxes]
    with pytest.raises(ValueError, match="'train' split has no boxes: nothing to learn"):
        check_detection_data(empty, squares(n=2), params)
    with pytest.raises(ValueError, match=r"no 'val' split \(detect.eval_split\)"):
        check_detection_data(squares(n=2), None, params)


def test_wrong_detector_parameters_are_refused():
    with pytest.raises(ParameterError, match=r"'detect.detector.fpn_layers.0' = 5 is not allowed"):
        parse(DetectParams, {"detector": {"fpn_layers": [5]}}, "detect")
    with pytest.raises(ParameterError, match=r"'detect.backbones' .* unknown backbone 'imagenet'"):
        parse(DetectParams, {"backbones": ["imagenet"]}, "detect")
