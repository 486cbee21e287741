import json
import os
import subprocess
import sys
from pathlib import Path

from swav_pipeline.pipeline_registry import ORDER


def test_kedro_viz_build_shows_every_pipeline(project):
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
    kedro = Path(sys.executable).with_name("kedro")
    subprocess.run([str(kedro), "viz", "build"], cwd=project, env=env, check=True, capture_output=True, timeout=300)
    main = json.loads((project / "build/api/main").read_text())
    assert {p["id"] for p in main["pipelines"]} == {"__default__", *ORDER}
    names = {n["name"] for n in main["nodes"] if n["type"] == "task"}
    assert {"train_swav", "train_supervised", "evaluate_backbones", "finetune_detectors", "build_report"} <= names
