from kedro.pipeline import Node, Pipeline

from swav_pipeline.node_helpers import for_role

from .nodes import ingest_classification_role, ingest_detection_role, summarise


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        *[
            Node(for_role(ingest_classification_role, role), f"params:ingest.{role}",
                 [f"{role}_manifest", f"{role}_raw_images", f"{role}_ingest_rejects"],
                 name=f"ingest_{role}")
            for role in ("pretrain", "transfer")
        ],
        Node(for_role(ingest_detection_role, "detection"), "params:ingest.detection",
             ["detection_raw", "detection_ingest_rejects"], name="ingest_detection"),
        Node(summarise,
             ["pretrain_manifest", "transfer_manifest", "detection_raw",
              "pretrain_ingest_rejects", "transfer_ingest_rejects", "detection_ingest_rejects"],
             ["ingest_rejects", "ingest_metrics", "ingest_summary"], name="summarise_ingest"),
    ])
