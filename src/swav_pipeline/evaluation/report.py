"""The transfer table: one row per backbone, one column per task, mean and spread over seeds."""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator

FIXED_TASKS = ("linear_in_domain", "linear_transfer", "knn_in_domain", "knn_transfer",
               "detection_ap", "detection_ap50")
FINETUNE_TASK = re.compile(r"^finetune_[0-9p]+pct$")  # finetune_1pct, finetune_10pct, finetune_0p5pct
DEFAULT_TASKS = ["linear_in_domain", "linear_transfer", "knn_in_domain", "knn_transfer",
                 "finetune_1pct", "finetune_10pct", "detection_ap", "detection_ap50"]


class ReportParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: list[str] = DEFAULT_TASKS  # the table's columns, in order
    metric: Literal["top1", "top5"] = "top1"  # classification metric shown

    @field_validator("tasks")
    @classmethod
    def _known(cls, tasks: list[str]) -> list[str]:
        for t in tasks:
            if t not in FIXED_TASKS and not FINETUNE_TASK.match(t):
                raise ValueError(f"unknown task '{t}'; choose from {', '.join(FIXED_TASKS)} or "
                                 "finetune_<percent>pct (e.g. finetune_1pct)")
        return tasks


def long_scores(classification: pd.DataFrame, detection: pd.DataFrame, metric: str = "top1") -> pd.DataFrame:
    """Both result tables as (backbone, column, seed, value) rows named like the report's columns."""
    parts = []
    if len(classification):
        c = classification.copy()
        finetune = c["task"].str.startswith("finetune_")
        c["column"] = np.where(finetune, c["task"], c["task"] + "_" + c["domain"])
        parts.append(c[["backbone", "column", "seed"]].assign(value=c[metric]))
    if len(detection):
        for m in ("ap", "ap50"):
            parts.append(detection[["backbone", "seed"]].assign(column=f"detection_{m}", value=detection[m]))
    if not parts:
        return pd.DataFrame(columns=["backbone", "column", "seed", "value"])
    return pd.concat(parts, ignore_index=True)


def transfer_table(classification: pd.DataFrame, detection: pd.DataFrame, params: ReportParams
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(mean, std, seeds) tables indexed by backbone (first-seen order) with ``params.tasks`` columns.

    A task with no results is a NaN column; the std is NaN where a task ran with one seed.
    """
    scores = long_scores(classification, detection, params.metric)
    order = list(dict.fromkeys(scores["backbone"]))
    grouped = scores.groupby(["backbone", "column"])["value"]
    shape = lambda s: s.unstack("column").reindex(index=order, columns=params.tasks)  # noqa: E731
    return shape(grouped.mean()), shape(grouped.std()), shape(grouped.count())


def to_markdown(mean: pd.DataFrame, std: pd.DataFrame, seeds: pd.DataFrame) -> str:
    """A Markdown table: ``mean ± std`` where a task ran with several seeds, ``-`` where it did not run."""
    header = "| backbone | " + " | ".join(mean.columns) + " |"
    lines = [header, "|" + "---|" * (len(mean.columns) + 1)]
    for backbone in mean.index:
        cells = []
        for col in mean.columns:
            m, s, n = mean.at[backbone, col], std.at[backbone, col], seeds.at[backbone, col]
            if pd.isna(m):
                cells.append("-")
            elif pd.notna(s) and n > 1:
                cells.append(f"{m:.3f} ± {s:.3f}")
            else:
                cells.append(f"{m:.3f}")
        lines.append(f"| {backbone} | " + " | ".join(cells) + " |")
    runs = sorted({int(n) for n in seeds.to_numpy().ravel() if pd.notna(n) and n > 0})
    lines.append("")
    lines.append(f"Cells: mean over {' or '.join(map(str, runs))} seed(s); ± the standard deviation where "
                 "there are several; - not run.")
    return "\n".join(lines) + "\n"


def to_metrics(mean: pd.DataFrame, std: pd.DataFrame) -> dict:
    """``{backbone: {task: mean, task_std: std}}`` for ``dvc metrics show`` (NaN left out)."""
    out = {}
    for backbone in mean.index:
        row = {}
        for col in mean.columns:
            if pd.notna(mean.at[backbone, col]):
                row[col] = round(float(mean.at[backbone, col]), 4)
            if pd.notna(std.at[backbone, col]):
                row[f"{col}_std"] = round(float(std.at[backbone, col]), 4)
        out[backbone] = row
    return out
