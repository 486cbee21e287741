"""baselines -> linear_eval -> detect -> report through Kedro sessions, with the test sizes."""

import json

import mlflow
import pandas as pd
import pytest

from swav_pipeline.config import ParameterError
from swav_pipeline.swav.backbones import load_backbone
from tests.conftest import PROJECT, run_pipeline

BACKBONES = ["swav", "supervised", "random"]


def test_the_study_ends_with_the_transfer_table(project, capsys):
    for name in ("ingest", "preprocess", "pretrain", "baselines", "linear_eval", "detect", "report"):
        run_pipeline(project, name)
    models = project / "data/06_models"
    for name in BACKBONES:
        info = json.loads((models / f"{name}_backbone.json").read_text())
        load_backbone(models / f"{name}_backbone.pt", {k: info[k] for k in ("arch", "width", "small_stem")})
        assert info["width"] == 8 and len(info["mean"]) == 1

    results = pd.read_csv(project / "data/07_model_output/linear_eval_results.csv")
    assert set(results["backbone"]) == set(BACKBONES)
    assert set(zip(results["task"], results["domain"])) == {
        ("linear", "in_domain"), ("linear", "transfer"), ("knn", "in_domain"), ("knn", "transfer"),
        ("finetune_10pct", "in_domain")}
    assert results.groupby(["backbone", "task", "domain"]).size().loc[("swav", "linear", "in_domain")] == 2
    assert results[["top1", "top5"]].apply(lambda c: c.between(0, 1)).all().all()
    detection = pd.read_csv(project / "data/07_model_output/detection_results.csv")
    assert list(detection["backbone"]) == BACKBONES and detection[["ap", "ap50"]].ge(0).all().all()

    reporting = project / "data/08_reporting"
    table = pd.read_csv(reporting / "transfer_table.csv")
    assert list(table["backbone"]) == BACKBONES
    assert table.loc[0, "linear_in_domain"] == pytest.approx(
        results.query("backbone == 'swav' and task == 'linear' and domain == 'in_domain'")["top1"].mean())
    assert table.loc[1, "detection_ap"] == pytest.approx(detection.loc[1, "ap"])
    metrics = json.loads((reporting / "metrics.json").read_text())
    assert set(metrics) == set(BACKBONES) and "linear_in_domain_std" in metrics["random"]
    markdown = (reporting / "transfer_table.md").read_text()
    assert markdown.startswith("| backbone | linear_in_domain | linear_transfer |")
    assert markdown in capsys.readouterr().out  # printed at the end of the run
    for png in ["transfer_chart.png", "supervised_curves.png", *(f"confusion/{b}_{d}.png" for b in BACKBONES
                for d in ("in_domain", "transfer")), *(f"detections/{b}.png" for b in BACKBONES)]:
        assert (reporting / png).read_bytes()[:4] == b"\x89PNG", png
    history = pd.read_csv(reporting / "detection_history.csv")
    assert list(history.columns) == ["epoch", "swav_loss", "supervised_loss", "random_loss"]

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    runs = mlflow.search_runs(experiment_names=["swav-pipeline"])
    by_name = runs.set_index("tags.mlflow.runName")
    for task in ("linear_eval", "detect"):
        children = runs[runs["tags.task"] == task]
        assert sorted(children["tags.backbone"]) == sorted(BACKBONES)
        assert set(children["tags.mlflow.parentRunId"]) == {by_name.loc[task, "run_id"]}
    linear = runs[runs["tags.task"] == "linear_eval"]
    assert linear["metrics.linear.in_domain.top1"].notna().all()  # same name in every backbone's run
    assert linear["metrics.linear.in_domain.top1_std"].notna().all()
    swav_linear = linear[linear["tags.backbone"] == "swav"].iloc[0]
    assert {"confusion_in_domain.png", "confusion_transfer.png"} <= {
        a.path for a in client.list_artifacts(swav_linear["run_id"])}
    report = by_name.loc["report"]
    assert {"transfer_table.csv", "transfer_table.md", "transfer_chart.png"} <= {
        a.path for a in client.list_artifacts(report["run_id"])}
    assert report["metrics.report.swav.detection_ap"] == pytest.approx(detection.loc[0, "ap"], abs=1e-4)

    notebook = execute_notebook(PROJECT / "notebooks/transfer_report.ipynb", project)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    tables = [o["data"]["text/plain"] for o in outputs if o["output_type"] == "execute_result"]
    assert "linear_in_domain" in tables[0] and all(b in tables[0] for b in BACKBONES)
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2  # the bar chart and the curves


def execute_notebook(path, cwd):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return notebook


@pytest.mark.parametrize("pipeline, params, match", [
    ("linear_eval", {"linear_eval": {"backbones": ["swav", "byol"]}}, r"unknown backbone 'byol'"),
    ("detect", {"detect": {"extra_checkpoints": [{"name": "mine", "path": "missing.pt"}]}},
     r"checkpoint file missing.pt does not exist"),
    ("report", {"report": {"tasks": ["linear_in_domain", "depth"]}}, r"unknown task 'depth'"),
    ("linear_eval", {"linear_eval": {"tasks": ["linear", "dance"]}}, r"'linear_eval.tasks.1' = 'dance'"),
])
def test_bad_evaluation_parameters_are_refused_before_any_work(project, pipeline, params, match):
    with pytest.raises(ParameterError, match=match):
        run_pipeline(project, pipeline, params=params)
    assert not (project / "data").exists() or not any((project / "data").rglob("*.csv"))
