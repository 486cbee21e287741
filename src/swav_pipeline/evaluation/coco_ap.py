"""COCO-style box AP with pycocotools: AP@[.5:.95] and AP50."""

from __future__ import annotations

import contextlib
import io

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def detections_to_coco(predictions: list[dict[str, np.ndarray]], image_ids: list[int] | None = None) -> list[dict]:
    """Per-image ``boxes`` (xyxy) / ``labels`` / ``scores`` -> COCO result dicts (xywh)."""
    image_ids = image_ids or list(range(1, len(predictions) + 1))
    out = []
    for img_id, p in zip(image_ids, predictions):
        for (x0, y0, x1, y1), lab, score in zip(np.asarray(p["boxes"]).reshape(-1, 4).tolist(),
                                                np.asarray(p["labels"]).tolist(),
                                                np.asarray(p["scores"]).tolist()):
            out.append({"image_id": int(img_id), "category_id": int(lab),
                        "bbox": [x0, y0, x1 - x0, y1 - y0], "score": float(score)})
    return out


def coco_ap(ground_truth: dict, results: list[dict]) -> dict[str, float]:
    """``ap`` (AP@[.5:.95]) and ``ap50`` of ``results`` against a COCO ground-truth dict.

    No detections at all scores 0 (pycocotools cannot load an empty result list).
    """
    if not results:
        return {"ap": 0.0, "ap50": 0.0}
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        gt = COCO()
        gt.dataset = ground_truth
        gt.createIndex()
        dt = gt.loadRes(results)
        ev = COCOeval(gt, dt, iouType="bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    ap, ap50 = (max(float(v), 0.0) for v in ev.stats[:2])  # -1 means "no ground truth"
    return {"ap": ap, "ap50": ap50}
