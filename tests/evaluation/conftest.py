import pytest

from swav_pipeline.data.packed import read_packed
from tests.swav.conftest import make_store


@pytest.fixture(scope="session")
def labeled_store(tmp_path_factory):
    """Real Fashion-MNIST images: 200 to train on, 100 to test on."""
    root = tmp_path_factory.mktemp("labeled")
    make_store(root, n_train=200, n_val=100, held_out="test")
    return read_packed(root)
