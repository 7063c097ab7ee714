"""The one training loop for every classifier experiment.

Experiments differ by their batch source (the synthetic renderer now, dataset loaders later) and by
their :class:`mmcore.policy.MixPolicy`, never by copies of this loop. The loop counts optimisation
steps; sources that think in epochs map epochs to steps.

Resumption: every ``checkpoint_every`` steps the full state (model, optimiser, source and
mixing generators, global RNG, history) goes to a side path that is not a workflow output; a killed
run restarts from there and produces the same result as an uninterrupted one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import torch
from torch import nn

from .data.batch import Batch
from .errors import DivergenceError
from .io import load_torch, save_torch
from .losses import EXPLODED, get_loss, unclamped_loss
from .optim import SGD, Adam, step_lr
from .precision import autocast as precision_autocast
from .policy import MixPolicy
from .seeding import seed_generator

__all__ = [
    "TrainConfig",
    "BatchSource",
    "DivergenceError",
    "train",
    "make_optimizer",
    "channels_last_supported",
]

log = logging.getLogger(__name__)


class BatchSource(Protocol):
    num_classes: int

    def next_batch(self) -> Batch: ...
    def state_dict(self) -> dict: ...
    def load_state_dict(self, state: dict) -> None: ...


@dataclass
class TrainConfig:
    """Optimisation settings of one run (units: steps, i.e. minibatches)."""

    steps: int
    lr: float
    optimizer: str = "adam"  # "adam" (synthetic, MLPs) or "sgd" (ResNets: Nesterov momentum)
    momentum: float = 0.9
    weight_decay: float = 0.0
    nesterov: bool = True
    milestones: list[int] = field(default_factory=list)  # steps at which lr *= gamma
    gamma: float = 0.1
    loss: str = "bce_softmax"
    log_every: int = 1
    checkpoint_every: int = 100
    steps_per_epoch: int = 0  # > 0: messages name the epoch too (epoch-based sources)
    channels_last: bool = False  # convolution-friendly memory layout (CPU and CUDA)
    precision: str = "fp32"  # "bf16": bfloat16 autocast for the forward pass (mmcore.precision); resolved

    def __post_init__(self):
        if self.steps < 1:
            raise ValueError(f"steps: expected an integer >= 1, got {self.steps!r}")
        if not self.lr > 0:
            raise ValueError(f"lr: expected a number > 0, got {self.lr!r}")
        get_loss(self.loss)


def channels_last_supported(model: nn.Module) -> bool:
    """Whether channels-last is safe for ``model`` on its device.

    On the CPU, torch 2.14's channels-last convolution backward corrupts memory (double free,
    segfault) when a convolution has fewer than 8 output channels (found with PreActResNet18 at
    width 4; width 8 is fine), so such narrow networks keep the default layout there. Width 4 also
    aborted once inside the training loop with the default layout, so the configs and tests keep
    every network at width 8 or more.
    """
    if next(model.parameters()).device.type != "cpu":
        return True
    narrowest = min((m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d)), default=8)
    return narrowest >= 8


def make_optimizer(model: nn.Module, cfg: TrainConfig):
    """``mmcore.optim``'s Adam or SGD (torch.optim's arithmetic without its per-process dynamo import)."""
    if cfg.optimizer == "adam":
        return Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return SGD(
            model.parameters(),
            lr=cfg.lr,
            momentum=cfg.momentum,
            weight_decay=cfg.weight_decay,
            nesterov=cfg.nesterov,
        )
    raise ValueError(f"unknown optimizer {cfg.optimizer!r}; available: adam, sgd")


def _where(step: int, cfg: TrainConfig) -> str:
    if cfg.steps_per_epoch:
        epoch, within = divmod(step - 1, cfg.steps_per_epoch)
        return f"epoch {epoch + 1}, step {within + 1} of {cfg.steps_per_epoch}"
    return f"step {step} of {cfg.steps}"


def train(
    model: nn.Module,
    source: BatchSource,
    policy: MixPolicy,
    cfg: TrainConfig,
    *,
    seed: int,
    checkpoint_path: str | Path | None = None,
    on_step: Callable[[int, dict], None] | None = None,
    evaluate: Callable[[], dict] | None = None,
    stop_after: int | None = None,
    name: str = "training",
) -> list[dict]:
    """Train ``model`` in place for ``cfg.steps`` steps; return the per-step history rows.

    Each history row has ``step`` (1-based), ``lr``, ``train_loss`` (mean over the rows' window) and
    ``train_acc`` (% of argmax predictions matching the argmax of the soft target), plus whatever
    ``evaluate()`` returns (e.g. the test error after every epoch); rows live in the checkpoint, so a
    resumed run keeps its earlier evaluations. ``stop_after`` stops early after that step, leaving the
    checkpoint behind (used by tests to simulate a kill).

    Divergence stops the run with a :class:`DivergenceError` naming ``name`` (the run id), the step
    (and epoch) and the fix, before the step updates anything: non-finite logits, or a training loss
    that, computed without its clamp, is not finite or above :data:`mmcore.losses.EXPLODED` (see there
    why no converging run gets there); likewise a non-finite value in what ``evaluate()`` returns. The
    check reads the step's logits and draws nothing, so a healthy run computes exactly as without it.
    """
    loss_fn = get_loss(cfg.loss)
    optimizer = make_optimizer(model, cfg)
    mix_gen = seed_generator(seed, "mix")
    history: list[dict] = []
    start = 0
    window_loss, window_correct, window_n = 0.0, 0, 0  # running sums since the last history row
    ckpt = Path(checkpoint_path) if checkpoint_path else None
    if ckpt is not None and ckpt.exists():
        # Generator and RNG states must stay on the CPU; load_state_dict moves the rest to the model.
        state = load_torch(ckpt, map_location="cpu", fix="delete it to restart the run from its first step")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        source.load_state_dict(state["source"])
        mix_gen.set_state(state["mix_generator"])
        torch.set_rng_state(state["torch_rng"])
        history = list(state["history"])
        start = int(state["step"])
        window_loss, window_correct, window_n = state["window"]
        log.info("resumed from %s at step %d", ckpt, start)

    if cfg.channels_last:
        model.to(memory_format=torch.channels_last)
    device = next(model.parameters()).device
    autocast = precision_autocast(cfg.precision, device)
    model.train()
    for step in range(start + 1, cfg.steps + 1):
        batch = source.next_batch()
        with autocast:
            logits, targets = policy.forward(model, batch, mix_gen, source.num_classes)
        logits = logits.float()  # the loss (softmax, logs) in fp32 whatever the forward used
        loss = loss_fn(logits, targets)
        exact = unclamped_loss(cfg.loss, logits, targets).item()
        if not math.isfinite(loss.item()) or not math.isfinite(exact) or exact > EXPLODED:
            fix = f"lower the learning rate (now {cfg.lr:g}) or check the data"
            if not bool(torch.isfinite(logits).all()):
                what = "the logits are no longer finite"
            else:
                what = f"the training loss (unclamped) became {exact:.3g}, above {EXPLODED:g}, where no converging run goes"
            raise DivergenceError(name, what, fix, _where(step, cfg))
        optimizer.zero_grad()
        loss.backward()
        lr = optimizer.lr = step_lr(cfg.lr, cfg.milestones, cfg.gamma, step)
        optimizer.step()
        n = targets.shape[0]
        window_loss += loss.item() * n
        window_correct += int((logits.argmax(1) == targets.argmax(1)).sum())
        window_n += n
        if step % cfg.log_every == 0 or step == cfg.steps:
            row = {
                "step": step,
                "lr": lr,
                "train_loss": window_loss / window_n,
                "train_acc": 100.0 * window_correct / window_n,
            }
            if evaluate is not None:
                try:
                    row.update(evaluate())
                except DivergenceError as err:  # found by the evaluation: say when
                    raise err.at(_where(step, cfg)) from None
                bad = [k for k, v in row.items() if isinstance(v, float) and not math.isfinite(v)]
                if bad:
                    raise DivergenceError(
                        name,
                        f"its {bad[0]} became {row[bad[0]]}",
                        f"lower the learning rate (now {cfg.lr:g}) or check the data",
                        _where(step, cfg),
                    )
            history.append(row)
            window_loss, window_correct, window_n = 0.0, 0, 0
            if on_step is not None:
                on_step(step, row)
        if ckpt is not None and (step % cfg.checkpoint_every == 0 or step == stop_after):
            save_torch(
                ckpt,
                {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "source": source.state_dict(),
                    "mix_generator": mix_gen.get_state(),
                    "torch_rng": torch.get_rng_state(),
                    "history": history,
                    "window": [window_loss, window_correct, window_n],
                    "step": step,
                    "config": asdict(cfg),
                },
            )
        if stop_after is not None and step >= stop_after:
            return history
    return history
