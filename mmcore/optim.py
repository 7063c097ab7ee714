"""SGD (Nesterov momentum) and Adam with torch.optim's exact update rules, and the step schedule.

Why not ``torch.optim``: in torch 2.14 the first call into any ``torch.optim.Optimizer`` imports
``torch._dynamo`` (2-4 s per process on the reference CPU). The workflow starts one process per run,
so that import alone cost about three minutes of the 30-minute default run. These two optimizers do
the same arithmetic as torch's single-tensor implementations (tested step by step against them) and
keep their state in plain tensors for checkpoints.
"""

from __future__ import annotations

import math

import torch

__all__ = ["SGD", "Adam", "step_lr"]


def step_lr(base_lr: float, milestones: list[int], gamma: float, step: int) -> float:
    """The learning rate of (1-based) ``step``: base * gamma ** (milestones already passed).

    Milestones count completed steps, as ``MultiStepLR`` stepped once per optimiser step.
    """
    return base_lr * gamma ** sum(1 for m in milestones if m <= step - 1)


class _Optimizer:
    def __init__(self, params, lr: float):
        self.params = [p for p in params if p.requires_grad]
        self.lr = float(lr)
        self.state: dict[int, dict[str, torch.Tensor]] = {}

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def state_dict(self) -> dict:
        return {"lr": self.lr, "state": {i: {k: v.clone() for k, v in s.items()} for i, s in self.state.items()}}

    def load_state_dict(self, state: dict) -> None:
        self.lr = float(state["lr"])
        dev = self.params[0].device if self.params else "cpu"
        self.state = {int(i): {k: v.to(dev) for k, v in s.items()} for i, s in state["state"].items()}


class SGD(_Optimizer):
    """torch.optim.SGD(lr, momentum, weight_decay, nesterov), dampening 0."""

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, lr)
        self.momentum, self.weight_decay, self.nesterov = momentum, weight_decay, nesterov

    @torch.no_grad()
    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            d_p = p.grad
            if self.weight_decay:
                d_p = d_p.add(p, alpha=self.weight_decay)
            if self.momentum:
                state = self.state.setdefault(i, {})
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = d_p.clone().detach()
                else:
                    buf.mul_(self.momentum).add_(d_p)
                d_p = d_p.add(buf, alpha=self.momentum) if self.nesterov else buf
            p.add_(d_p, alpha=-self.lr)


class Adam(_Optimizer):
    """torch.optim.Adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay) without amsgrad."""

    def __init__(self, params, lr: float, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps, self.weight_decay = eps, weight_decay

    @torch.no_grad()
    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            grad = p.grad
            if self.weight_decay:
                grad = grad.add(p, alpha=self.weight_decay)
            state = self.state.setdefault(i, {})
            if not state:
                state["step"] = torch.zeros((), dtype=torch.float32)
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            state["step"] += 1
            step = state["step"].item()
            state["exp_avg"].lerp_(grad, 1 - self.beta1)
            state["exp_avg_sq"].mul_(self.beta2).addcmul_(grad, grad.conj(), value=1 - self.beta2)
            bias_correction1 = 1 - self.beta1**step
            bias_correction2_sqrt = math.sqrt(1 - self.beta2**step)
            denom = (state["exp_avg_sq"].sqrt() / bias_correction2_sqrt).add_(self.eps)
            p.addcdiv_(state["exp_avg"], denom, value=-self.lr / bias_correction1)
