from kedro.pipeline import Node, Pipeline

from swav_pipeline.node_helpers import for_role

from .nodes import fix_multicrop, merge_metrics, pack_role, preview


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        *[
            Node(for_role(pack_role, role),
                 [f"{role}_manifest", f"{role}_raw_images", "params:preprocess"],
                 [f"{role}_packed", f"{role}_preprocess_counts"], name=f"pack_{role}")
            for role in ("pretrain", "transfer")
        ],
        Node(fix_multicrop, ["pretrain_packed", "params:preprocess"], "multicrop_spec", name="fix_multicrop"),
        Node(preview, ["pretrain_packed", "multicrop_spec", "params:preprocess"], "multicrop_preview",
             name="multicrop_preview"),
        Node(merge_metrics, ["pretrain_preprocess_counts", "transfer_preprocess_counts"],
             "preprocess_metrics", name="preprocess_metrics"),
    ])
