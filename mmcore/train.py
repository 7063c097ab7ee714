"""The one training loop for every classifier experiment.

Experiments differ by their batch source (the synthetic renderer now, dataset loaders later) and by
their :class:`mmcore.policy.MixPolicy`, never by copies of this loop. The loop counts optimisation
steps; sources that think in epochs map epochs to steps.

Resumption: every ``checkpoint_every`` steps the full state (model, optimiser, source and
mixing generators, global RNG, history) goes to a side path that is not a workflow output
(:class:`mmcore.checkpoint.ResumeCheckpoint`, as for the GAN loop); a killed run restarts from there and
produces the same result as an uninterrupted one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import torch
from torch import nn

from .checkpoint import ResumeCheckpoint
from .data.batch import Batch
from .errors import DivergenceError
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
    run = _Run(
        model, source, policy, cfg, get_loss(cfg.loss), make_optimizer(model, cfg), seed_generator(seed, "mix"), name
    )
    parts = {"model": model, "optimizer": run.optimizer, "source": source, "mix_generator": run.mix_gen}
    ckpt = ResumeCheckpoint(checkpoint_path, parts, cfg.checkpoint_every, stop_after)
    history: list[dict] = []
    start = 0
    window = [0.0, 0, 0]  # running sums (loss, correct, n) since the last history row
    state = ckpt.restore(log)
    if state is not None:
        history, start, window = list(state["history"]), int(state["step"]), list(state["window"])
    if cfg.channels_last:
        model.to(memory_format=torch.channels_last)
    run.autocast = precision_autocast(cfg.precision, next(model.parameters()).device)
    model.train()
    for step in range(start + 1, cfg.steps + 1):
        loss, logits, targets, lr = run.step(step)
        n = targets.shape[0]
        window[0] += loss.item() * n
        window[1] += int((logits.argmax(1) == targets.argmax(1)).sum())
        window[2] += n
        if step % cfg.log_every == 0 or step == cfg.steps:
            row = run.row(step, lr, window, evaluate)
            history.append(row)
            window = [0.0, 0, 0]
            if on_step is not None:
                on_step(step, row)
        if ckpt.end_of_step(history=history, window=list(window), step=step, config=asdict(cfg)):
            return history
    return history


@dataclass
class _Run:
    """What every step of one :func:`train` call uses."""

    model: nn.Module
    source: BatchSource
    policy: MixPolicy
    cfg: TrainConfig
    loss_fn: Callable
    optimizer: object
    mix_gen: torch.Generator
    name: str
    autocast: object = None

    def step(self, step: int):
        """One optimisation step on the source's next batch: ``(loss, logits, targets, lr)``; the
        divergence check comes before anything is updated."""
        cfg = self.cfg
        batch = self.source.next_batch()
        with self.autocast:
            logits, targets = self.policy.forward(self.model, batch, self.mix_gen, self.source.num_classes)
        logits = logits.float()  # the loss (softmax, logs) in fp32 whatever the forward used
        loss = self.loss_fn(logits, targets)
        self._check(step, loss, logits, targets)
        self.optimizer.zero_grad()
        loss.backward()
        lr = self.optimizer.lr = step_lr(cfg.lr, cfg.milestones, cfg.gamma, step)
        self.optimizer.step()
        return loss, logits, targets, lr

    def _check(self, step: int, loss, logits, targets) -> None:
        cfg = self.cfg
        exact = unclamped_loss(cfg.loss, logits, targets).item()
        if not math.isfinite(loss.item()) or not math.isfinite(exact) or exact > EXPLODED:
            fix = f"lower the learning rate (now {cfg.lr:g}) or check the data"
            if not bool(torch.isfinite(logits).all()):
                what = "the logits are no longer finite"
            else:
                what = f"the training loss (unclamped) became {exact:.3g}, above {EXPLODED:g}, where no converging run goes"
            raise DivergenceError(self.name, what, fix, _where(step, cfg))

    def row(self, step: int, lr: float, window: list, evaluate: Callable[[], dict] | None) -> dict:
        """The history row of ``step``: the window's means, and what ``evaluate()`` returns, checked."""
        loss, correct, n = window
        row = {"step": step, "lr": lr, "train_loss": loss / n, "train_acc": 100.0 * correct / n}
        if evaluate is not None:
            try:
                row.update(evaluate())
            except DivergenceError as err:  # found by the evaluation: say when
                raise err.at(_where(step, self.cfg)) from None
            bad = [k for k, v in row.items() if isinstance(v, float) and not math.isfinite(v)]
            if bad:
                raise DivergenceError(
                    self.name,
                    f"its {bad[0]} became {row[bad[0]]}",
                    f"lower the learning rate (now {self.cfg.lr:g}) or check the data",
                    _where(step, self.cfg),
                )
        return row
