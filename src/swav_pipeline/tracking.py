"""MLflow glue for the nodes: per-epoch metrics from the training loops, and one nested run
per backbone so that the MLflow UI's compare view puts backbones side by side."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import mlflow
import pandas as pd


class MlflowEpochLogger:
    """Per-epoch metrics to the current MLflow run; picklable, so worker processes can log too."""

    def __init__(self, prefix: str):
        run = mlflow.active_run()
        self.run_id = run.info.run_id if run else None
        self.uri = mlflow.get_tracking_uri()
        self.prefix = prefix

    def __call__(self, metrics: dict) -> None:
        if self.run_id is None:
            return
        client = mlflow.MlflowClient(self.uri)
        step = int(metrics["epoch"])
        for k, v in metrics.items():
            if k != "epoch":
                client.log_metric(self.run_id, f"{self.prefix}.{k}", float(v), step=step)


@contextlib.contextmanager
def backbone_run(task: str, backbone: str) -> Iterator[mlflow.ActiveRun | None]:
    """A child run of the ``kedro run``'s run, tagged ``backbone`` and ``task``.

    Without an active run (tracking disabled) it yields ``None`` and logs nothing.
    """
    if mlflow.active_run() is None:
        yield None
        return
    with mlflow.start_run(run_name=f"{task}/{backbone}", nested=True,
                          tags={"backbone": backbone, "task": task}) as run:
        yield run


def log_mean_and_std(rows: pd.DataFrame, by: list[str], metrics: list[str]) -> None:
    """To the active run: ``<group>.<metric>``, the mean over each group's rows (its seeds),
    and ``<group>.<metric>_std`` where the group has several rows."""
    summary = rows.groupby(by)[metrics].agg(["mean", "std"])
    for keys, values in summary.iterrows():
        group = keys if isinstance(keys, tuple) else (keys,)
        for (metric, stat), value in values.items():
            if pd.notna(value):
                mlflow.log_metric(".".join([*group, metric]) + ("_std" if stat == "std" else ""), float(value))
