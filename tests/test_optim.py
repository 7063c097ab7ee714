"""mmcore.optim against torch.optim, step by step, and the step schedule against MultiStepLR."""

import pytest
import torch
from torch import nn

from mmcore.optim import SGD, Adam, step_lr


def pair(seed=0):
    torch.manual_seed(seed)
    a = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    b = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    b.load_state_dict(a.state_dict())
    return a, b


def run(model, opt, steps=6, lrs=None):
    g = torch.Generator().manual_seed(1)
    for i in range(steps):
        x = torch.randn(10, 6, generator=g)
        if lrs is not None:
            opt.lr = lrs[i]
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()


@pytest.mark.parametrize("nesterov,momentum,wd", [(True, 0.9, 1e-4), (False, 0.9, 0.0), (False, 0.0, 1e-3)])
def test_sgd_equals_torch(nesterov, momentum, wd):
    ours, ref = pair()
    run(ours, SGD(ours.parameters(), lr=0.1, momentum=momentum, weight_decay=wd, nesterov=nesterov))
    run(ref, torch.optim.SGD(ref.parameters(), lr=0.1, momentum=momentum, weight_decay=wd, nesterov=nesterov, foreach=False))
    for p, q in zip(ours.parameters(), ref.parameters()):
        assert torch.allclose(p, q, rtol=0, atol=1e-7)


@pytest.mark.parametrize("wd", [0.0, 1e-2])
def test_adam_equals_torch(wd):
    ours, ref = pair(2)
    run(ours, Adam(ours.parameters(), lr=1e-2, weight_decay=wd))
    run(ref, torch.optim.Adam(ref.parameters(), lr=1e-2, weight_decay=wd, foreach=False))
    for p, q in zip(ours.parameters(), ref.parameters()):
        assert torch.allclose(p, q, rtol=0, atol=1e-7)


def test_state_dict_round_trip_continues_identically():
    a, b = pair(3)
    opt_a = SGD(a.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    run(a, opt_a, steps=3)
    b.load_state_dict(a.state_dict())
    opt_b = SGD(b.parameters(), lr=0.5)
    opt_b.load_state_dict(opt_a.state_dict())
    opt_b.momentum, opt_b.nesterov = 0.9, True
    run(a, opt_a, steps=2)
    run(b, opt_b, steps=2)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


def test_step_lr_equals_multisteplr():
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [3, 7], 0.1)
    for step in range(1, 11):
        assert step_lr(0.1, [3, 7], 0.1, step) == pytest.approx(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
