import gzip

import numpy as np
import pytest

from swav_pipeline.data.idx import IdxFormatError, read_idx, write_idx


@pytest.mark.parametrize("name", ["x-images-idx3-ubyte", "x-images-idx3-ubyte.gz"])
def test_round_trip(tmp_path, name):
    images = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    write_idx(tmp_path / name, images)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.uint8 and back.shape == (5, 7, 3)
    np.testing.assert_array_equal(back, images)


def test_round_trip_int32(tmp_path):
    labels = np.array([1, -2, 70000], dtype=np.int32)
    write_idx(tmp_path / "l.idx", labels)
    np.testing.assert_array_equal(read_idx(tmp_path / "l.idx"), labels)


def test_gzip_detected_by_content_not_name(tmp_path):
    images = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", images)
    (tmp_path / "a.gz").rename(tmp_path / "plain-name")
    np.testing.assert_array_equal(read_idx(tmp_path / "plain-name"), images)


def test_truncated_file_is_refused(tmp_path):
    write_idx(tmp_path / "t", np.zeros((4, 5, 5), np.uint8))
    data = (tmp_path / "t").read_bytes()
    (tmp_path / "t").write_bytes(data[:-10])
    with pytest.raises(IdxFormatError, match="truncated"):
        read_idx(tmp_path / "t")


def test_bad_magic_is_refused(tmp_path):
    with gzip.open(tmp_path / "b.gz", "wb") as fh:
        fh.write(b"\x01\x02\x03\x04rest")
    with pytest.raises(IdxFormatError, match="magic"):
        read_idx(tmp_path / "b.gz")
