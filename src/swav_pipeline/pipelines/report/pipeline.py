from kedro.pipeline import Node, Pipeline

from .nodes import build_report


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(build_report, ["linear_eval_results", "detection_results", "params:report"],
             ["transfer_table", "transfer_table_markdown", "transfer_chart", "transfer_metrics",
              "report_metrics"], name="build_report"),
    ])
