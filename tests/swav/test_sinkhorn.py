import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from swav_pipeline.swav import sinkhorn


def reference(scores: np.ndarray, eps: float, iters: int) -> np.ndarray:
    """Algorithm 1 of the paper, literally, in float64."""
    q = np.exp(scores / eps).T
    q /= q.sum()
    k, b = q.shape
    for _ in range(iters):
        q /= q.sum(axis=1, keepdims=True)
        q /= k
        q /= q.sum(axis=0, keepdims=True)
        q /= b
    return (q * b).T


@pytest.fixture
def scores():
    g = torch.Generator().manual_seed(0)
    z = torch.nn.functional.normalize(torch.randn(64, 16, generator=g), dim=1)
    c = torch.nn.functional.normalize(torch.randn(30, 16, generator=g), dim=1)
    return z @ c.t()


def test_rows_sum_to_one(scores):
    q = sinkhorn(scores)
    assert q.shape == scores.shape
    torch.testing.assert_close(q.sum(1), torch.ones(64), rtol=0, atol=1e-5)


def test_columns_near_uniform(scores):
    # equal partition: each of the K prototypes gets B / K of the batch, more closely with
    # more iterations
    err = [(sinkhorn(scores, iterations=n).sum(0) / (64 / 30) - 1).abs().max() for n in (1, 3, 10, 50)]
    assert err[0] > err[1] > err[2] > err[3]
    assert err[2] < 0.05 and err[3] < 1e-3


def test_matches_float64_reference(scores):
    for eps, iters in [(0.05, 3), (0.1, 1), (0.03, 5)]:
        ref = reference(scores.double().numpy(), eps, iters)
        np.testing.assert_allclose(sinkhorn(scores, eps, iters).numpy(), ref, rtol=1e-4, atol=1e-7)


def test_half_precision_input_is_computed_in_float(scores):
    q = sinkhorn(scores.bfloat16())
    assert q.dtype == torch.float32 and torch.isfinite(q).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="epsilon"):
        sinkhorn(torch.zeros(2, 3), epsilon=0)
    with pytest.raises(ValueError, match=r"\(B, K\)"):
        sinkhorn(torch.zeros(2, 3, 4))


def _worker(rank, world, port, scores, out):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        part = scores.chunk(world)[rank]
        out[rank].copy_(sinkhorn(part, 0.05, 3))
    finally:
        dist.destroy_process_group()


def test_distributed_equals_single_process_on_concatenated_batch(scores):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = [torch.zeros(32, 30).share_memory_() for _ in range(2)]
    mp.spawn(_worker, args=(2, port, scores, out), nprocs=2, join=True)
    torch.testing.assert_close(torch.cat(out), sinkhorn(scores, 0.05, 3), rtol=1e-5, atol=1e-7)
