from __future__ import annotations

import numpy as np
import pytest

from swav_pipeline.data.idx import read_idx
from swav_pipeline.data.packed import SplitSource, read_packed, write_packed

FASHION = "/usr/share/datasets/fashion-mnist"


def make_store(root, n_train=96, n_val=40, held_out="val") -> None:
    """A tiny packed store of real Fashion-MNIST test images: ``train`` and ``held_out`` splits."""
    images = read_idx(f"{FASHION}/t10k-images-idx3-ubyte.gz")[: n_train + n_val, :, :, None]
    labels = read_idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz")[: n_train + n_val].astype(np.int64)

    def source(a, b):
        return SplitSource(b - a, 28, 1, lambda s, e: images[a + s:a + e], labels[a:b])

    write_packed(root, {"train": source(0, n_train), held_out: source(n_train, n_train + n_val)},
                 {"store_size": 28, "channels": 1, "class_names": [str(i) for i in range(10)], "source": "test"})


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    make_store(root)
    return read_packed(root)
