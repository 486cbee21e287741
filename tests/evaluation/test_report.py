import pandas as pd
import pytest

from swav_pipeline.config import ParameterError, parse
from swav_pipeline.evaluation.report import ReportParams, to_markdown, to_metrics, transfer_table

CLASSIFICATION = pd.DataFrame([
    ("swav", "linear", "in_domain", 0, 0.80, 0.99), ("swav", "linear", "in_domain", 1, 0.82, 0.99),
    ("swav", "linear", "transfer", 0, 0.90, 1.0), ("swav", "knn", "in_domain", 0, 0.78, 0.97),
    ("swav", "finetune_1pct", "in_domain", 0, 0.60, 0.9),
    ("random", "linear", "in_domain", 0, 0.70, 0.95), ("random", "linear", "in_domain", 1, 0.74, 0.96),
], columns=["backbone", "task", "domain", "seed", "top1", "top5"])
DETECTION = pd.DataFrame([("swav", "detection", "detection", 0, 0.30, 0.60),
                          ("random", "detection", "detection", 0, 0.10, 0.25)],
                         columns=["backbone", "task", "domain", "seed", "ap", "ap50"])


def test_table_has_mean_and_spread_per_backbone_and_task():
    params = ReportParams(tasks=["linear_in_domain", "linear_transfer", "knn_in_domain", "finetune_1pct",
                                 "finetune_10pct", "detection_ap", "detection_ap50"])
    mean, std, seeds = transfer_table(CLASSIFICATION, DETECTION, params)
    assert list(mean.index) == ["swav", "random"]
    assert mean.at["swav", "linear_in_domain"] == pytest.approx(0.81)
    assert std.at["swav", "linear_in_domain"] == pytest.approx(0.0141421, abs=1e-6)
    assert mean.at["random", "linear_in_domain"] == pytest.approx(0.72)
    assert mean.at["swav", "detection_ap50"] == pytest.approx(0.60)
    assert pd.isna(mean.at["random", "linear_transfer"]) and pd.isna(mean.at["swav", "finetune_10pct"])
    assert seeds.at["swav", "linear_in_domain"] == 2 and seeds.at["swav", "knn_in_domain"] == 1

    md = to_markdown(mean, std, seeds)
    assert md.splitlines()[0] == ("| backbone | linear_in_domain | linear_transfer | knn_in_domain | finetune_1pct | "
                                  "finetune_10pct | detection_ap | detection_ap50 |")
    assert md.splitlines()[2] == "| swav | 0.810 ± 0.014 | 0.900 | 0.780 | 0.600 | - | 0.300 | 0.600 |"
    assert md.splitlines()[3] == "| random | 0.720 ± 0.028 | - | - | - | - | 0.100 | 0.250 |"

    metrics = to_metrics(mean, std)
    assert metrics["swav"]["linear_in_domain"] == 0.81 and metrics["swav"]["linear_in_domain_std"] == 0.0141
    assert "finetune_10pct" not in metrics["swav"]


def test_top5_metric():
    mean, _, _ = transfer_table(CLASSIFICATION, DETECTION, ReportParams(tasks=["linear_in_domain"], metric="top5"))
    assert mean.at["random", "linear_in_domain"] == pytest.approx(0.955)


def test_unknown_task_is_refused():
    with pytest.raises(ParameterError, match=r"'report.tasks' = .* unknown task 'segmentation_miou'"):
        parse(ReportParams, {"tasks": ["linear_in_domain", "segmentation_miou"]}, "report")
