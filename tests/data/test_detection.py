import numpy as np
import pytest

from swav_pipeline.data.classification import SourceError
from swav_pipeline.data.detection import read_coco, write_coco
from swav_pipeline.data.scenes import SceneSpec, generate_scenes
from swav_pipeline.data.sources import SourceParams, ingest_detection


def _objects(n=20):
    rng = np.random.default_rng(0)
    objs = np.zeros((n, 28, 28), np.uint8)
    objs[:, 6:22, 8:20] = rng.integers(120, 255, (n, 16, 12))
    return objs, np.arange(n) % 10


def test_scene_boxes_follow_the_masks():
    objs, labels = _objects()
    data = generate_scenes(objs, labels, [str(i) for i in range(10)], {"train": 5}, SceneSpec(canvas_size=64, min_object_size=28, max_object_size=28, background_noise=0), seed=3)
    split = data.splits["train"]
    assert len(split) == 5 and split.num_boxes >= 5
    for img, boxes in zip(split.images, split.boxes):
        for x0, y0, x1, y1 in boxes.astype(int):
            # objects are 12x16 blocks inside a 28x28 tile pasted at scale 1: boxes are tight
            assert (x1 - x0, y1 - y0) == (12, 16)
            assert img[y0:y1, x0:x1].min() >= 120
        assert img.shape == (64, 64, 1)


def test_coco_round_trip(tmp_path):
    objs, labels = _objects()
    data = generate_scenes(objs, labels, [f"c{i}" for i in range(10)], {"train": 4, "val": 2}, SceneSpec(canvas_size=48, min_object_size=16, max_object_size=24), seed=0)
    write_coco(tmp_path, data)
    back, rejects = read_coco(tmp_path, channels=1)
    assert rejects == []
    assert back.categories == data.categories
    for name in ("train", "val"):
        a, b = data.splits[name], back.splits[name]
        assert a.file_names == b.file_names
        for ia, ib, ba, bb, la, lb in zip(a.images, b.images, a.boxes, b.boxes, a.labels, b.labels):
            np.testing.assert_array_equal(ia, ib)
            np.testing.assert_allclose(ba, bb)
            np.testing.assert_array_equal(la, lb)


def test_coco_missing_and_bad_images_are_rejects(tmp_path):
    objs, labels = _objects()
    data = generate_scenes(objs, labels, [str(i) for i in range(10)], {"val": 3}, SceneSpec(canvas_size=48, min_object_size=16, max_object_size=24))
    write_coco(tmp_path, data)
    (tmp_path / "val" / "val_000000.png").unlink()
    (tmp_path / "val" / "val_000001.png").write_bytes(b"broken")
    back, rejects = read_coco(tmp_path)
    assert len(back.splits["val"]) == 1
    assert sorted(r[1].split()[0] for r in rejects) == ["file", "not"]


def test_detection_without_boxes_is_refused(tmp_path):
    objs, labels = _objects()
    data = generate_scenes(objs, labels, ["a"] * 10, {"train": 2}, SceneSpec(canvas_size=48, min_object_size=16, max_object_size=24))
    data.splits["train"].boxes = [np.zeros((0, 4), np.float32)] * 2
    data.splits["train"].labels = [np.zeros(0, np.int64)] * 2
    write_coco(tmp_path, data)
    with pytest.raises(SourceError, match="needs images with boxes"):
        ingest_detection("detection", SourceParams(source="coco", path=str(tmp_path)))
