import numpy as np
import pandas as pd
import pytest

from swav_pipeline.config import ParameterError, parse
from swav_pipeline.data.packed import read_packed, resize_short_center, write_packed
from swav_pipeline.data.preparation import PreprocessParams, StoreParams, assign_splits, plan_store
from swav_pipeline.data.splits import stratified_holdout
from swav_pipeline.swav.multicrop import MultiCropSpec


def _manifest(n=100, classes=4, with_test=False):
    labels = np.arange(n) % classes
    split = np.where(np.arange(n) >= n - 20, "test", "train") if with_test else np.full(n, "train")
    return pd.DataFrame({
        "image_id": [str(i) for i in range(n)], "split": split, "label": labels,
        "label_name": [f"c{l}" for l in labels], "source": "idx", "sha256": "0" * 64,
        "height": 8, "width": 8, "channels": 1, "path": "", "index": np.arange(n),
    })


def test_splits_are_deterministic_and_stratified():
    m = _manifest(200)
    a = assign_splits(m, StoreParams(test_fraction=0.25, val_per_class=5), seed=7)
    b = assign_splits(m, StoreParams(test_fraction=0.25, val_per_class=5), seed=7)
    c = assign_splits(m, StoreParams(test_fraction=0.25, val_per_class=5), seed=8)
    pd.testing.assert_series_equal(a, b)
    assert not a.equals(c)
    counts = pd.crosstab(m["label"], a)
    assert (counts["test"] == 12).all() or (counts["test"] == 13).all()
    assert (counts["val"] == 5).all()


def test_source_test_split_is_kept():
    m = _manifest(100, with_test=True)
    s = assign_splits(m, StoreParams(val_per_class=2), seed=0)
    assert (s[m["split"] == "test"] == "test").all()
    assert (s[m["split"] == "train"] != "test").all()


def test_holdout_rejects_ambiguous_request():
    with pytest.raises(ValueError):
        stratified_holdout(np.zeros(3), fraction=0.5, per_class=1)


def test_packed_store_round_trip_and_stats(tmp_path):
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, (100, 8, 8, 1), dtype=np.uint8)
    splits, meta = plan_store(_manifest(100), raw, StoreParams(store_size=8, val_per_class=3), 0, "pretrain")
    write_packed(tmp_path, splits, meta)
    packed = read_packed(tmp_path)
    assert isinstance(packed.images["train"], np.memmap)
    assert {k: len(v) for k, v in packed.images.items()} == {"train": 68, "val": 12, "test": 20}
    ref = np.concatenate([raw[i:i + 1] for i in np.flatnonzero(assign_splits(_manifest(100), StoreParams(val_per_class=3), 0) == "train")])
    np.testing.assert_array_equal(packed.images["train"], ref)
    np.testing.assert_allclose(packed.mean, [ref.mean() / 255], rtol=1e-6)
    np.testing.assert_allclose(packed.std, [ref.std() / 255], rtol=1e-4)
    assert packed.class_names == ["c0", "c1", "c2", "c3"]


def test_resize_short_side_then_centre():
    img = np.zeros((40, 80, 3), np.uint8)
    img[:, 20:60] = 255
    out = resize_short_center(img, 20)
    assert out.shape == (20, 20, 3)
    assert out[10, 10, 0] == 255  # the centre half of the wide image is what remains


@pytest.mark.parametrize("bad, match", [
    ({"nmb_crops": [2], "size_crops": [28, 14]}, "same non-zero length"),
    ({"min_scale_crops": [0.0, 0.1]}, "0 < min <= max <= 1"),
    ({"max_scale_crops": [1.2, 0.4]}, "0 < min <= max <= 1"),
    ({"min_scale_crops": [0.5, 0.5], "max_scale_crops": [0.4, 0.6]}, "0 < min <= max <= 1"),
    ({"nmb_crops": [0, 4]}, "at least 1 crop"),
])
def test_multicrop_spec_errors_name_the_key(bad, match):
    with pytest.raises(ParameterError, match=match) as err:
        parse(PreprocessParams, {"multicrop": bad}, "preprocess")
    assert str(err.value).startswith("Parameter 'preprocess.multicrop")


def test_crop_larger_than_store_is_refused():
    spec = MultiCropSpec(size_crops=[32, 16])
    with pytest.raises(ValueError, match="size_crops\\[0\\] = 32 is larger than the stored image size 28"):
        spec.check_store(28)


def test_unknown_key_is_refused():
    with pytest.raises(ParameterError, match="'preprocess.pretrain.store_sise' is not a known key"):
        parse(PreprocessParams, {"pretrain": {"store_sise": 3}}, "preprocess")
