import json

import mlflow
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from swav_pipeline.config import ParameterError
from tests.conftest import run_pipeline


def _experiment_runs(project):
    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    return mlflow.search_runs(experiment_names=["swav-pipeline"])


def test_ingest_then_preprocess_through_kedro_session(project):
    run_pipeline(project, "ingest")
    manifest = pd.read_parquet(project / "data/01_raw/pretrain/manifest.parquet")
    assert len(manifest) == 1200  # limit 600 per IDX split (train + test)
    assert set(manifest["split"]) == {"train", "test"}
    assert np.load(project / "data/01_raw/transfer/images.npy", mmap_mode="r").shape == (300, 28, 28, 1)
    coco = json.loads((project / "data/01_raw/detection/annotations/instances_train.json").read_text())
    assert len(coco["images"]) == 8 and coco["annotations"]
    summary = json.loads((project / "data/08_reporting/ingest_summary.json").read_text())
    assert summary["pretrain_kept"] == 1200 and summary["rejected"] == 0

    run_pipeline(project, "preprocess")
    meta = json.loads((project / "data/03_primary/pretrain/meta.json").read_text())
    assert meta["splits"] == {"train": 550, "val": 50, "test": 600}
    assert len(meta["class_names"]) == 10 and meta["channels"] == 1
    assert 0.2 < meta["mean"][0] < 0.4  # Fashion-MNIST mean is about 0.29
    spec = json.loads((project / "data/05_model_input/multicrop_spec.json").read_text())
    assert spec["multicrop"]["nmb_crops"] == [2, 2]
    with Image.open(project / "data/08_reporting/multicrop_preview.png") as img:
        assert img.width > 400 and img.height > 100

    runs = _experiment_runs(project)
    assert set(runs["tags.mlflow.runName"]) >= {"ingest", "preprocess"}
    ingest_run = runs[runs["tags.mlflow.runName"] == "ingest"].iloc[0]
    assert ingest_run["metrics.ingest.pretrain_kept"] == 1200
    assert ingest_run["params.ingest.pretrain.source"] == "fashion_mnist"
    pre = runs[runs["tags.mlflow.runName"] == "preprocess"].iloc[0]
    client = mlflow.MlflowClient()
    artifacts = [a.path for a in client.list_artifacts(pre["run_id"])]
    assert "multicrop_preview.png" in artifacts


def test_image_folder_source_from_runtime_params(project, tmp_path):
    root = tmp_path / "tree"
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(np.full((20, 30, 3), 40 * i + (cls == "b") * 100, np.uint8)).save(root / cls / f"{i}.png")
    (root / "a" / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    run_pipeline(project, "ingest", params={"ingest": {"pretrain": {"source": "image_folder", "path": str(root)}}})
    rejects = pd.read_csv(project / "data/08_reporting/ingest_rejects.csv")
    assert rejects["location"].str.endswith("broken.jpg").tolist() == [True]
    manifest = pd.read_parquet(project / "data/01_raw/pretrain/manifest.parquet")
    assert sorted(manifest["label_name"].unique()) == ["a", "b"] and len(manifest) == 6


def test_wrong_parameter_refused_before_work(project):
    with pytest.raises(ParameterError, match=r"'ingest.pretrain.source' = 'imagenet' is not allowed"):
        run_pipeline(project, "ingest", params={"ingest": {"pretrain": {"source": "imagenet"}}})
    assert not (project / "data/01_raw/transfer/images.npy").exists()
