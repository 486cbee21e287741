import json

import mlflow
import pytest
import torch

from swav_pipeline.config import ParameterError
from swav_pipeline.swav.backbones import load_backbone
from tests.conftest import run_pipeline


@pytest.fixture
def preprocessed(project):
    run_pipeline(project, "ingest")
    run_pipeline(project, "preprocess")
    return project


def test_pretrain_pipeline_writes_backbone_metrics_and_plots(preprocessed):
    project = preprocessed
    run_pipeline(project, "pretrain")
    info = json.loads((project / "data/06_models/swav_backbone.json").read_text())
    assert info["arch"] == "resnet18" and info["width"] == 8 and info["small_stem"] is True
    model = load_backbone(project / "data/06_models/swav_backbone.pt", {k: info[k] for k in ("arch", "width", "small_stem")})
    assert model(torch.zeros(1, 3, 28, 28)).shape == (1, 64)
    history = (project / "data/08_reporting/pretrain_history.csv").read_text().splitlines()
    assert history[0].startswith("epoch,loss") and len(history) == 3
    summary = json.loads((project / "data/08_reporting/pretrain_summary.json").read_text())
    assert summary["epoch"] == 2 and 0 <= summary["knn_top1"] <= 1

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["swav-pipeline"])
    run = runs[runs["tags.mlflow.runName"] == "pretrain"].iloc[0]
    client = mlflow.MlflowClient()
    losses = client.get_metric_history(run["run_id"], "pretrain.loss")
    assert [m.step for m in losses] == [1, 2]
    assert run["params.pretrain.nmb_prototypes"] == "10"
    artifacts = {a.path for a in client.list_artifacts(run["run_id"])}
    assert {"pretrain_curves.png", "prototype_usage.png"} <= artifacts


def test_pretrain_refuses_a_wrong_parameter_before_training(preprocessed):
    with pytest.raises(ParameterError, match=r"'pretrain.temperature' = -1 is not allowed"):
        run_pipeline(preprocessed, "pretrain", params={"pretrain": {"temperature": -1}})
    assert not (preprocessed / "data/06_models/swav_backbone.pt").exists()


def test_non_finite_loss_fails_the_mlflow_run(preprocessed):
    from swav_pipeline.swav.train import NonFiniteLossError

    with pytest.raises(NonFiniteLossError):
        run_pipeline(preprocessed, "pretrain", params={"pretrain": {"lars": False, "base_lr": 1e30, "final_lr": 1e30}})
    mlflow.set_tracking_uri(f"sqlite:///{preprocessed / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["swav-pipeline"])
    assert runs.loc[runs["tags.mlflow.runName"] == "pretrain", "status"].tolist() == ["FAILED"]
