import numpy as np
import pytest
import torch

from swav_pipeline.config import ParameterError, parse
from swav_pipeline.evaluation.knn import knn_accuracy
from swav_pipeline.evaluation.linear import linear_probe_accuracy, topk_accuracy
from swav_pipeline.evaluation.protocol import EvalSpec, LinearEvalParams, confusion_matrix, evaluate_domain, finetune_task
from swav_pipeline.swav.backbones import build_backbone


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    cm = confusion_matrix(torch.tensor([0, 1, 1, 2, 0]), torch.tensor([0, 1, 2, 2, 2]), 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 0], [1, 1, 1]]


def test_topk_accuracy():
    logits = torch.tensor([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]])
    assert topk_accuracy(logits, torch.tensor([1, 2]), ks=(1, 2)) == {"top1": 0.5, "top2": 1.0}


def test_knn_votes_by_similarity():
    train = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    labels = torch.tensor([0, 0, 1])
    assert knn_accuracy(train, labels, torch.tensor([[1.0, 0.05], [0.1, 1.0]]), torch.tensor([0, 1]), k=1) == 1.0


def test_linear_probe_separates_separable_features():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 5, generator=g)
    y = (x[:, 0] > 0).long()
    assert linear_probe_accuracy(x[:150], y[:150], x[150:], y[150:], epochs=20)["top1"] > 0.95


def test_finetune_task_names():
    assert [finetune_task(f) for f in (0.01, 0.1, 0.005)] == ["finetune_1pct", "finetune_10pct", "finetune_0p5pct"]


def test_every_task_gives_rows_and_a_confusion_matrix(labeled_store):
    torch.manual_seed(0)
    spec = EvalSpec(seeds=[0, 1], linear={"epochs": 5}, knn={"k": 5},
                    finetune={"fractions": [0.5], "epochs": [1], "batch_size": 20})
    result = evaluate_domain(build_backbone("resnet18", 8, True), labeled_store, "in_domain", spec)
    tasks = [(r["task"], r["seed"]) for r in result.rows]
    assert tasks == [("linear", 0), ("linear", 1), ("knn", 0), ("finetune_50pct", 0), ("finetune_50pct", 1)]
    assert all(0 <= r["top1"] <= r["top5"] <= 1 for r in result.rows)
    assert result.confusion.shape == (10, 10) and result.confusion.sum() == 100
    linear0 = result.rows[0]["top1"]
    assert np.trace(result.confusion) / 100 == pytest.approx(linear0)


def test_augmented_linear_probe_and_no_finetune_outside_the_domain(labeled_store):
    spec = EvalSpec(tasks=["linear", "finetune"], linear={"epochs": 1, "augment": True, "batch_size": 50})
    result = evaluate_domain(build_backbone("resnet18", 8, True), labeled_store, "transfer", spec, finetune=False)
    assert [r["task"] for r in result.rows] == ["linear"]


@pytest.mark.parametrize("values, match", [
    ({"backbones": ["swav", "mocov2"]}, r"'linear_eval.backbones' = \['swav', 'mocov2'\] is not allowed: unknown backbone 'mocov2'"),
    ({"tasks": ["linear", "segmentation"]}, r"'linear_eval.tasks.1' = 'segmentation' is not allowed"),
    ({"finetune": {"fractions": [0.01, 0.1], "epochs": [5]}}, r"one epoch count per fraction"),
    ({"extra_checkpoints": [{"name": "x", "path": "/nonexistent.pt"}]}, r"checkpoint file /nonexistent.pt does not exist"),
])
def test_wrong_parameters_are_refused_in_one_sentence(values, match):
    with pytest.raises(ParameterError, match=match):
        parse(LinearEvalParams, values, "linear_eval")


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save(build_backbone("resnet18", 16, True).state_dict(), path)
    extra = {"name": "other", "path": str(path), "arch": "resnet18", "width": 8, "small_stem": True}
    with pytest.raises(ParameterError, match=r"does not match backbone .*size mismatch for conv1.weight"):
        parse(LinearEvalParams, {"extra_checkpoints": [extra]}, "linear_eval")
    extra["width"] = 16
    assert parse(LinearEvalParams, {"extra_checkpoints": [extra]}, "linear_eval").selected() == [
        "swav", "supervised", "random", "other"]
