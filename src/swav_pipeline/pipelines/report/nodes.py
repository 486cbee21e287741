from __future__ import annotations

import logging

import pandas as pd

from swav_pipeline.config import parse
from swav_pipeline.evaluation.report import ReportParams, to_markdown, to_metrics, transfer_table
from swav_pipeline.plots import grouped_bars

log = logging.getLogger(__name__)


def build_report(classification: pd.DataFrame, detection: pd.DataFrame, params: dict
                 ) -> tuple[pd.DataFrame, str, object, dict, dict]:
    """The transfer table as CSV, Markdown, a grouped bar chart, DVC metrics and MLflow metrics;
    the Markdown is also printed (plain, not through the log handler, which would wrap it)."""
    cfg = parse(ReportParams, params, "report")
    mean, std, seeds = transfer_table(classification, detection, cfg)
    csv = pd.concat([mean, std.add_suffix("_std")], axis=1)
    csv = csv[[c for t in cfg.tasks for c in (t, f"{t}_std")]].rename_axis("backbone").reset_index()
    markdown = to_markdown(mean, std, seeds)
    bars = mean.T.dropna(how="all")
    chart = grouped_bars(bars, std.T.loc[bars.index], "Transfer: frozen and fine-tuned backbones by task",
                         cfg.metric + " / AP")
    metrics = to_metrics(mean, std)
    mlflow_metrics = {f"{backbone}.{task}": {"value": value, "step": 0}
                      for backbone, row in metrics.items() for task, value in row.items()}
    log.info("Transfer table: %d backbones x %d tasks -> data/08_reporting/transfer_table.md",
             len(mean.index), len(mean.columns))
    print(f"\nTransfer table ({cfg.metric}; detection: COCO AP@[.5:.95] and AP50)\n\n{markdown}", flush=True)
    return csv, markdown, chart, metrics, mlflow_metrics
