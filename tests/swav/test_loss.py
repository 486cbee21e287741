import math

import pytest
import torch

from swav_pipeline.swav import sinkhorn, swav_loss
from swav_pipeline.swav.loss import swapped_prediction


def _scores(n_crops, b=8, k=12, seed=0, grad=False):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, k, generator=g).tanh().requires_grad_(grad) for _ in range(n_crops)]


def reference(scores, assign, t, eps, iters):
    total = 0.0
    for crop in assign:
        q = sinkhorn(scores[crop].detach(), eps, iters).double()
        sub = 0.0
        others = [v for v in range(len(scores)) if v != crop]
        for v in others:
            logp = torch.log_softmax(scores[v].double() / t, dim=1)
            sub += -(q * logp).sum(1).mean()
        total += sub / len(others)
    return total / len(assign)


@pytest.mark.parametrize("n_crops", [2, 4, 8])
@pytest.mark.parametrize("assign", [(0,), (0, 1)])
def test_matches_reference(n_crops, assign):
    s = _scores(n_crops)
    got = swav_loss(s, crops_for_assign=assign, temperature=0.1, epsilon=0.05, iterations=3)
    assert got.ndim == 0
    torch.testing.assert_close(got.double(), reference(s, assign, 0.1, 0.05, 3), rtol=1e-5, atol=1e-6)


def test_uniform_predictions_cost_ln_k():
    s = [torch.zeros(6, 20) for _ in range(3)]
    torch.testing.assert_close(swav_loss(s), torch.tensor(math.log(20)))


def test_gradient_reaches_every_crop_but_not_through_codes():
    s = _scores(4, grad=True)
    swav_loss(s).backward()
    assert all(x.grad is not None and x.grad.abs().sum() > 0 for x in s)


def test_queue_scores_lengthen_sinkhorn_but_codes_stay_batch_sized():
    s = _scores(2)
    queue = [torch.randn(32, 12).tanh(), torch.randn(32, 12).tanh()]
    loss, codes = swapped_prediction(s, (0, 1), queue_scores=queue)
    assert [c.shape for c in codes] == [(8, 12), (8, 12)]
    assert not torch.isclose(loss, swav_loss(s))


@pytest.mark.parametrize("kwargs, match", [
    ({"crops_for_assign": (0, 5)}, "must index crops 0..2"),
    ({"temperature": 0.0}, "temperature must be > 0"),
])
def test_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        swav_loss(_scores(3), **kwargs)


def test_one_crop_is_refused():
    with pytest.raises(ValueError, match="at least 2 crops"):
        swav_loss(_scores(1), crops_for_assign=(0,))
