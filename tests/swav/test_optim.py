import numpy as np
import pytest
import torch

from swav_pipeline.swav.lars import LARC
from swav_pipeline.swav.schedules import warmup_cosine


def test_larc_scales_the_step_by_the_trust_ratio():
    w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))  # |w| = 5
    w.grad = torch.tensor([0.0, 2.0])                 # |g| = 2
    opt = LARC(torch.optim.SGD([w], lr=0.5, momentum=0, weight_decay=0.1), trust_coefficient=0.01)
    opt.step()
    rate = 0.01 * 5 / (2 + 5 * 0.1 + 1e-8)
    expected = torch.tensor([3.0, 4.0]) - 0.5 * rate * (torch.tensor([0.0, 2.0]) + 0.1 * torch.tensor([3.0, 4.0]))
    torch.testing.assert_close(w.detach(), expected)
    assert opt.param_groups[0]["weight_decay"] == 0.1  # restored after the step


def test_larc_treats_each_parameter_on_its_own_and_skips_zero_norms():
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(3, 4)), torch.nn.Parameter(torch.randn(5)),
              torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.randn(2))]
    grads = [torch.randn(3, 4) * 10, torch.randn(5) * 1e-3, torch.randn(2), torch.zeros(2)]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    before = [p.detach().clone() for p in params]
    LARC(torch.optim.SGD(params, lr=0.5, weight_decay=0.01), trust_coefficient=0.02).step()
    for p, w, g in zip(params, before, grads):
        if w.norm() > 0 and g.norm() > 0:
            rate = 0.02 * w.norm() / (g.norm() + 0.01 * w.norm() + 1e-8)
            expected = w - 0.5 * rate * (g + 0.01 * w)
        else:  # a zero weight or gradient: plain SGD without decay
            expected = w - 0.5 * g
        torch.testing.assert_close(p.detach(), expected)


def test_larc_clip_caps_the_rate_at_the_global_lr():
    w = torch.nn.Parameter(torch.tensor([100.0]))
    w.grad = torch.tensor([1e-3])
    opt = LARC(torch.optim.SGD([w], lr=0.1), trust_coefficient=1.0, clip=True)
    opt.step()
    torch.testing.assert_close(w.detach(), torch.tensor([100.0 - 0.1 * 1e-3]))


def test_warmup_then_cosine():
    lr = warmup_cosine(base_lr=4.8, final_lr=0.0048, epochs=10, iters_per_epoch=5, warmup_epochs=2, start_warmup=0.3)
    assert len(lr) == 50
    assert lr[0] == pytest.approx(0.3)
    assert np.all(np.diff(lr[:10]) > 0)
    assert lr[10] == pytest.approx(4.8)
    assert np.all(np.diff(lr[10:]) <= 0)
    assert lr[-1] == pytest.approx(0.0048, abs=0.01)


def test_warmup_longer_than_training_is_refused():
    with pytest.raises(ValueError, match="longer than training"):
        warmup_cosine(1, 0, epochs=2, iters_per_epoch=3, warmup_epochs=3)
