from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from swav_pipeline.config import parse
from swav_pipeline.data.detection import DetectionSet
from swav_pipeline.data.sources import SourceParams, ingest_classification, ingest_detection

log = logging.getLogger(__name__)


def ingest_classification_role(params: dict, role: str) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    out = ingest_classification(role, parse(SourceParams, params, f"ingest.{role}"))
    return out.manifest, out.images, out.rejects


def ingest_detection_role(params: dict, role: str) -> tuple[DetectionSet, pd.DataFrame]:
    return ingest_detection(role, parse(SourceParams, params, f"ingest.{role}"))


def summarise(pretrain_manifest: pd.DataFrame, transfer_manifest: pd.DataFrame, detection: DetectionSet,
              *rejects: pd.DataFrame) -> tuple[pd.DataFrame, dict, dict]:
    """All rejects in one table; counts as MLflow metrics and as a DVC metrics file."""
    table = pd.concat(rejects, ignore_index=True)
    counts = {
        "pretrain_kept": len(pretrain_manifest),
        "pretrain_duplicates": int(pretrain_manifest["sha256"].duplicated().sum()),
        "transfer_kept": len(transfer_manifest),
        "transfer_duplicates": int(transfer_manifest["sha256"].duplicated().sum()),
        "detection_images": sum(len(s) for s in detection.splits.values()),
        "detection_boxes": sum(s.num_boxes for s in detection.splits.values()),
        "rejected": len(table),
    }
    log.info("ingest summary: %s", counts)
    if len(table):
        log.warning("%d files were rejected; see data/08_reporting/ingest_rejects.csv", len(table))
    metrics = {k: {"value": float(v), "step": 0} for k, v in counts.items()}
    return table, metrics, counts
