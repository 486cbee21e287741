import numpy as np
import pandas as pd
import pytest
from PIL import Image

from swav_pipeline.data.classification import MANIFEST_COLUMNS, SourceError, read_idx_dir, read_image_folder
from swav_pipeline.data.idx import write_idx
from swav_pipeline.data.sources import SourceParams, ingest_classification


def _png(path, size=(16, 12), colour=(200, 10, 10), mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour if mode == "RGB" else colour[0]).save(path)


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "imgs"
    _png(root / "cat" / "a.png")
    _png(root / "cat" / "b.jpg", colour=(1, 2, 3))
    _png(root / "dog" / "c.webp", colour=(9, 9, 9))
    _png(root / "dog" / "grey.png", mode="L")
    _png(root / "deep" / "er" / "d.png", colour=(5, 5, 250))
    _png(root / "dog" / "dup.png")  # same pixels as cat/a.png
    # planted bad files
    (root / "cat" / "empty.png").write_bytes(b"")
    (root / "cat" / "notes.txt").write_text("not an image")
    good = (root / "cat" / "a.png").read_bytes()
    big = root / "dog" / "big.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(big)
    (root / "dog" / "truncated.png").write_bytes(big.read_bytes()[: len(big.read_bytes()) // 2])
    _png(root / "cat" / "tiny.png", size=(3, 3))
    return root, good


def test_image_folder_keeps_good_and_lists_bad(tree):
    root, _ = tree
    out = read_image_folder("pretrain", root)
    kept = set(out.manifest["image_id"])
    assert kept == {"cat/a.png", "cat/b.jpg", "dog/c.webp", "dog/grey.png", "deep/er/d.png", "dog/dup.png", "dog/big.png"}
    reasons = dict(zip(out.rejects["location"].map(lambda p: p.split("/")[-1]), out.rejects["reason"]))
    assert set(reasons) == {"empty.png", "notes.txt", "truncated.png", "tiny.png"}
    assert "empty" in reasons["empty.png"]
    assert "not an image" in reasons["notes.txt"]
    assert "truncated" in reasons["truncated.png"] or "unreadable" in reasons["truncated.png"]
    assert "too small" in reasons["tiny.png"]
    assert out.duplicates == 1
    # class = folder relative to the root, at any depth; numbered in sorted order
    names = dict(zip(out.manifest["image_id"], out.manifest["label_name"]))
    assert names["deep/er/d.png"] == "deep/er"
    labels = dict(zip(out.manifest["label_name"], out.manifest["label"]))
    assert labels == {"cat": 0, "deep/er": 1, "dog": 2}
    grey = out.manifest.set_index("image_id").loc["dog/grey.png"]
    assert grey["channels"] == 1 and grey["height"] == 12 and grey["width"] == 16


def test_manifest_schema(tree):
    out = read_image_folder("pretrain", tree[0])
    assert list(out.manifest.columns) == MANIFEST_COLUMNS
    assert out.manifest["sha256"].str.len().eq(64).all()
    assert out.manifest["label"].dtype == np.int64
    assert (out.manifest["index"] == -1).all() and out.manifest["path"].str.startswith("/").all()


def test_unlabeled_tree(tree):
    out = read_image_folder("pretrain", tree[0], labels=False)
    assert (out.manifest["label"] == -1).all()


def test_all_rejected_source_names_role_and_path(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "junk.txt").write_text("no")
    with pytest.raises(SourceError, match=r"role 'pretrain'.*every file.*image_folder"):
        ingest_classification("pretrain", SourceParams(source="image_folder", path=str(tmp_path / "x")))


def test_missing_fashion_mnist_names_debian_package(tmp_path):
    with pytest.raises(SourceError, match="apt-get install dataset-fashion-mnist"):
        read_idx_dir("pretrain", tmp_path / "nope", "fashion_mnist")


def test_idx_dir_reads_train_and_test(tmp_path):
    rng = np.random.default_rng(1)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", rng.integers(0, 255, (6, 10, 10), dtype=np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(6, dtype=np.uint8) % 3)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", rng.integers(0, 255, (2, 10, 10), dtype=np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([2, 0], dtype=np.uint8))
    out = read_idx_dir("transfer", tmp_path, "idx")
    assert out.images.shape == (8, 10, 10, 1)
    assert out.manifest["split"].tolist() == ["train"] * 6 + ["test"] * 2
    assert out.manifest["label"].tolist() == [0, 1, 2, 0, 1, 2, 2, 0]
    pd.testing.assert_series_equal(out.manifest["index"], pd.Series(np.arange(8), name="index"))
