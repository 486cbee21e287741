import numpy as np
import pytest
import torch

from swav_pipeline.evaluation.classifier import TrainSpec, labeled_subset, train_classifier
from swav_pipeline.evaluation.features import extract_features
from swav_pipeline.swav.backbones import build_backbone


def test_labeled_subset_is_class_balanced_with_at_least_one_per_class():
    labels = np.repeat(np.arange(4), [100, 100, 10, 1])
    idx = labeled_subset(labels, 0.1, seed=0)
    assert np.bincount(labels[idx]).tolist() == [10, 10, 1, 1]
    assert np.all(np.diff(idx) > 0)
    assert not np.array_equal(idx, labeled_subset(labels, 0.1, seed=1))


def test_training_learns_the_train_set(labeled_store):
    torch.manual_seed(0)
    spec = TrainSpec(epochs=8, batch_size=50, lr=0.1, augment=False)
    result = train_classifier(build_backbone("resnet18", 8, True), labeled_store.images["train"],
                              labeled_store.labels["train"], labeled_store.mean, labeled_store.std, spec)
    assert [h["epoch"] for h in result.history] == list(range(1, 9))
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    logits = extract_features(result.model, labeled_store.images["test"], labeled_store.mean, labeled_store.std)
    accuracy = (logits.argmax(1).numpy() == labeled_store.labels["test"]).mean()
    assert accuracy > 0.4  # 10 classes, 200 training images: chance is 0.1


def test_frozen_trunk_keeps_weights_and_batchnorm_statistics(labeled_store):
    backbone = build_backbone("resnet18", 8, True)
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    spec = TrainSpec(epochs=1, batch_size=50, backbone_lr_scale=0)
    result = train_classifier(backbone, labeled_store.images["train"], labeled_store.labels["train"],
                              labeled_store.mean, labeled_store.std, spec)
    after = result.model.backbone.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not torch.equal(result.model.head.weight, torch.zeros_like(result.model.head.weight))


def test_a_diverging_run_stops_with_a_clear_error(labeled_store):
    spec = TrainSpec(epochs=2, batch_size=50, lr=1e12, augment=False)
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        train_classifier(build_backbone("resnet18", 8, True), labeled_store.images["train"],
                         labeled_store.labels["train"], labeled_store.mean, labeled_store.std, spec)
