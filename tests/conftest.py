from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "1")

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the project's configuration in a temporary folder, made the working directory,
    so pipeline runs write data and the MLflow store there."""
    shutil.copytree(PROJECT / "conf", tmp_path / "conf", ignore=shutil.ignore_patterns("local"))
    (tmp_path / "conf" / "local").mkdir()
    shutil.copy(PROJECT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(PROJECT / ".telemetry", tmp_path / ".telemetry")
    (tmp_path / "src").mkdir()  # the package itself is installed; Kedro only checks the folder
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_pipeline(project: Path, name: str, env: str = "test", params: dict | None = None):
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    import mlflow

    bootstrap_project(project)
    try:
        with KedroSession.create(project_path=project, env=env, runtime_params=params or {}) as session:
            return session.run(pipeline_names=[name])
    finally:
        # kedro-mlflow finishes the run in the store but leaves it on this process's
        # active-run stack; one `kedro run` per process never notices, tests running
        # several sessions in one process must pop it.
        while mlflow.active_run():
            mlflow.end_run()
