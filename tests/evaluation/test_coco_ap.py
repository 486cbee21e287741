"""COCO AP on hand-made boxes whose values can be worked out by hand."""

import numpy as np
import pytest

from swav_pipeline.data.detection import DetectionSplit, to_coco
from swav_pipeline.evaluation.coco_ap import coco_ap, detections_to_coco


def ground_truth(boxes_per_image):
    split = DetectionSplit(
        images=[np.zeros((32, 32, 1), np.uint8) for _ in boxes_per_image],
        file_names=[f"{i}.png" for i in range(len(boxes_per_image))],
        boxes=[np.array(b, np.float32).reshape(-1, 4) for b in boxes_per_image],
        labels=[np.ones(len(b), np.int64) for b in boxes_per_image],
    )
    return to_coco(split, ["thing"])


def dets(*rows):
    """rows of (x0, y0, x1, y1, score) for one image, label 1."""
    a = np.array(rows, np.float32).reshape(-1, 5)
    return {"boxes": a[:, :4], "labels": np.ones(len(a), np.int64), "scores": a[:, 4]}


def test_perfect_detection_scores_one():
    gt = ground_truth([[[2, 2, 12, 12]]])
    assert coco_ap(gt, detections_to_coco([dets((2, 2, 12, 12, 0.9))])) == pytest.approx({"ap": 1.0, "ap50": 1.0})


def test_iou_062_counts_at_three_of_ten_thresholds():
    # IoU 0.62 matches at thresholds 0.50, 0.55, 0.60 only: AP = 3/10, AP50 = 1
    gt = ground_truth([[[0, 0, 10, 10]]])
    result = coco_ap(gt, detections_to_coco([dets((0, 0, 10, 6.2, 0.8))]))
    assert result["ap"] == pytest.approx(0.3)
    assert result["ap50"] == pytest.approx(1.0)


def test_half_recall_with_a_lower_scored_false_positive():
    # two objects; the best detection hits one, a weaker one hits nothing: precision 1 up to
    # recall 0.5, nothing after -> 51 of COCO's 101 recall points
    gt = ground_truth([[[0, 0, 10, 10]], [[20, 20, 30, 30]]])
    result = coco_ap(gt, detections_to_coco([dets((0, 0, 10, 10, 0.9)), dets((0, 0, 5, 5, 0.3))]))
    assert result["ap"] == pytest.approx(51 / 101)
    assert result["ap50"] == pytest.approx(51 / 101)


def test_no_detections_scores_zero():
    assert coco_ap(ground_truth([[[0, 0, 10, 10]]]), detections_to_coco([dets()])) == {"ap": 0.0, "ap50": 0.0}


def test_results_are_xywh_with_image_ids():
    out = detections_to_coco([dets((1, 2, 4, 8, 0.5))], image_ids=[7])
    assert out == [{"image_id": 7, "category_id": 1, "bbox": [1.0, 2.0, 3.0, 6.0], "score": 0.5}]
