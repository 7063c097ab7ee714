"""The GAN training loop of appendix E, beside the classifier loop (:mod:`mmcore.train`).

JS GAN (BCE on D's logit, non-saturating G loss) with mixup in the discriminator, as the authors'
``new_gan`` branch implements the appendix (gan.md section 2.2):

* every iteration trains D once; G trains first in every ``n_dis``-th iteration (the code's order), and
  D then trains on that G's pre-update fakes, detached;
* D's loss is eq. 6: ``BCE(D(real), 1) + BCE(D(fake), 0) + mix``, with ``mix`` the mean BCE of D on 3B
  mixes of ``cat([fake, real])``: fake-fake (label 0), real-fake (label lambda) and fake-real (label
  1 - lambda), each through its own random pairing, lambda ~ U(0, alpha) per mix; no real-real mix;
* manifold mixup mixes D's hidden state at a mix point drawn uniformly from the layer set (eq. 7),
  separately for the G step and for the D step; all through :mod:`mmcore.mixup` (``sample_pair_mix``
  and ``mixing``);
* G's loss is ``BCE(D(G(z)), 1) - mix`` (G maximises D's mixup loss, the ``max_g`` of eq. 4), with the
  mixes built from the non-detached fakes; ``g_mix_term=False`` drops the second term.

``formulation="master"`` is the authors' master branch instead (gan.md section 2.1): lambda ~ Beta(alpha,
alpha) folded to min(lambda, 1 - lambda) (the code hard-codes alpha 0.2), real i mixed with fake i (no
permutation), real-fake mixes only, labelled fake (0), and no mixup term in G's loss.

Randomness: the real batches come from the batch source's seeded generator, z from the ``noise``
stream, the mixes from the ``mix`` stream, each model's initial weights from ``torch.manual_seed``;
spectral norm's power-iteration vectors live in the discriminator's state. A checkpoint holds all of it,
so a resumed run ends bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..checkpoint import ResumeCheckpoint
from ..errors import DivergenceError
from ..losses import EXPLODED
from ..mix_points import mixes
from ..mixup import MixParams, mix_targets, mixing, sample_pair_mix
from ..optim import Adam
from ..precision import autocast as precision_autocast
from ..seeding import seed_generator

__all__ = ["FORMULATIONS", "GanConfig", "mix_batch", "mix_loss", "train_gan", "generate"]

log = logging.getLogger(__name__)

#: Mixup formulations: ``paper`` (appendix E as the ``new_gan`` branch), ``master`` (the master branch).
FORMULATIONS = ("paper", "master")

#: The three mix groups of appendix E (eq. 5) over ``cat([fake, real])``; real-real is left out.
PAPER_PAIRS = (("fake", "fake"), ("real", "fake"), ("fake", "real"))


@dataclass
class GanConfig:
    """One GAN run's optimisation and mixing settings (steps are G steps)."""

    g_steps: int
    n_dis: int = 1
    batch_size: int = 64  # D's real and fake batches
    g_batch_size: int = 64  # G's batch (Miyato's code: 128)
    lr: float = 2e-4
    beta1: float = 0.0
    beta2: float = 0.999  # the authors' code; Miyato 0.9
    method: str = "none"  # none | input | manifold
    alpha: float = 0.0
    mix_points: tuple[str, ...] = ()  # eligible mix-point names (the layer set)
    formulation: str = "paper"
    g_mix_term: bool = True
    checkpoint_every: int = 100  # G steps
    log_every: int = 10  # G steps per history row
    precision: str = "fp32"

    def __post_init__(self):
        if self.g_steps < 1:
            raise ValueError(f"g_steps: expected an integer >= 1, got {self.g_steps!r}")
        if self.n_dis < 1:
            raise ValueError(f"n_dis: expected an integer >= 1, got {self.n_dis!r}")
        if self.formulation not in FORMULATIONS:
            raise ValueError(f"formulation: expected one of {', '.join(FORMULATIONS)}, got {self.formulation!r}")
        if self.mixes and not self.mix_points:
            raise ValueError(f"method {self.method!r} needs a non-empty set of mix points")

    @property
    def mixes(self) -> bool:
        return mixes(self.method)


def _bce(logits: torch.Tensor, target: float | torch.Tensor) -> torch.Tensor:
    """BCE of sigmoid(logit) against a (soft) target, mean over the batch; fp32 whatever the forward."""
    logits = logits.float().view(-1)
    if not torch.is_tensor(target):
        target = torch.full_like(logits, float(target))
    return F.binary_cross_entropy_with_logits(logits, target.float().view(-1).to(logits.device))


def mix_batch(
    fake: torch.Tensor, real: torch.Tensor, cfg: GanConfig, generator: torch.Generator
) -> tuple[torch.Tensor, MixParams, torch.Tensor]:
    """The mixes of one step: ``(cat([fake, real]), params, targets)``.

    ``params`` (from :func:`mmcore.mixup.sample_pair_mix`) pairs examples of the concatenated batch and
    names the mix point; ``targets`` are the eq. 5 labels of the mixes (``mix_targets`` of 0 for fake
    and 1 for real), or all 0 in the master formulation (the hard fake label).
    """
    nf, nr = fake.shape[0], real.shape[0]
    groups = {"fake": range(0, nf), "real": range(nf, nf + nr)}
    if cfg.formulation == "paper":
        params = sample_pair_mix(groups, PAPER_PAIRS, cfg.alpha, generator, cfg.mix_points)
    else:
        params = sample_pair_mix(
            groups, [("real", "fake")], cfg.alpha, generator, cfg.mix_points,
            distribution="beta", fold=True, shuffle=False,
        )
    params = params.to(fake.device)
    labels = torch.cat([torch.zeros(nf), torch.ones(nr)]).to(fake.device)
    targets = mix_targets(labels, params) if cfg.formulation == "paper" else torch.zeros_like(params.lam)
    return torch.cat([fake, real]), params, targets


def mix_loss(
    D: nn.Module, fake: torch.Tensor, real: torch.Tensor, cfg: GanConfig, generator: torch.Generator, autocast
) -> torch.Tensor:
    """Mean BCE of D on the step's mixes (eq. 4 / eq. 7): D runs on ``cat([fake, real])`` and the mix
    happens at the drawn mix point, inside D's forward pass (``mmcore.mixup.mixing``)."""
    batch, params, targets = mix_batch(fake, real, cfg, generator)
    with autocast, mixing(D, params):
        logits = D(batch)
    return _bce(logits, targets)


def _finite(name: str, what: str, value: torch.Tensor, where: str, lr: float) -> None:
    """Stop a diverged run before it updates anything: a loss that is not finite, or one past
    :data:`~mmcore.losses.EXPLODED` (100 nats). Each loss checked is a mean BCE of sigmoid outputs
    (>= 0); a healthy run starts at log 2 = 0.69 per term, and the default run's nine GAN runs peak at
    3.6 (G) and 2.2 (D) in their 10-step history windows (docs/benchmarks.md), so 100 (mean logits about
    100 on the wrong side) is far from any learning run, while an exploding one (lr 1e6) passes it
    within a few steps."""
    v = float(value.detach())
    fix = f"lower the learning rate (now {lr:g}) or check the data"
    if not math.isfinite(v):
        raise DivergenceError(name, f"the {what} became {v}", fix, where)
    if v > EXPLODED:
        raise DivergenceError(name, f"the {what} reached {v:.3g}, above {EXPLODED:g}, where no learning GAN goes", fix, where)


def _noise(n: int, z_dim: int, generator: torch.Generator, device) -> torch.Tensor:
    return torch.randn(n, z_dim, generator=generator).to(device)


def train_gan(
    G: nn.Module,
    D: nn.Module,
    source,
    cfg: GanConfig,
    *,
    seed: int,
    checkpoint_path: str | Path | None = None,
    on_step: Callable[[int, dict], None] | None = None,
    stop_after: int | None = None,
    name: str = "gan",
) -> list[dict]:
    """Train G and D in place for ``cfg.g_steps`` G steps (``n_dis`` D steps each); return the history.

    ``source.next_batch().x`` gives real images in [-1, 1]. A history row every ``log_every`` G steps:
    ``step`` (G steps), ``d_loss``, ``g_loss``, ``d_mix_loss``, ``d_real``, ``d_fake`` (mean sigmoid
    outputs), averaged over the row's window. A non-finite loss stops the run with a
    :class:`DivergenceError` naming ``name`` and the step, before it updates anything. ``stop_after``
    (G steps) stops early with the checkpoint left behind (tests simulate a kill with it).
    """
    device = next(D.parameters()).device
    opt_g = Adam(G.parameters(), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))
    opt_d = Adam(D.parameters(), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))
    run = _GanRun(G, D, opt_g, opt_d, seed_generator(seed, "noise"), seed_generator(seed, "mix"), cfg, device, name)
    parts = {"G": G, "D": D, "opt_g": opt_g, "opt_d": opt_d, "source": source,
             "noise_generator": run.noise_gen, "mix_generator": run.mix_gen}
    ckpt = ResumeCheckpoint(checkpoint_path, parts, cfg.checkpoint_every, stop_after)
    history: list[dict] = []
    window: dict[str, float] = {}
    start = 0
    state = ckpt.restore(log)
    if state is not None:
        history, window, start = list(state["history"]), dict(state["window"]), int(state["step"])
    run.autocast = precision_autocast(cfg.precision, device)
    G.train()
    D.train()
    for g_step in range(start + 1, cfg.g_steps + 1):
        where = f"step {g_step} of {cfg.g_steps}"
        for i in range(cfg.n_dis):
            real = source.next_batch().x
            # G first (the authors' order); D then trains on this G's pre-update fakes.
            fake = run.g_step(real, where, window) if i == 0 else run.fakes()
            run.d_step(real, fake.float(), where, window)
        if g_step % cfg.log_every == 0 or g_step == cfg.g_steps:
            row = {"step": g_step}
            row.update({k: v / window[f"n_{k}"] for k, v in window.items() if not k.startswith("n_")})
            history.append(row)
            window = {}
            if on_step is not None:
                on_step(g_step, row)
        if ckpt.end_of_step(history=history, window=window, step=g_step, config=asdict(cfg)):
            return history
    return history


@dataclass
class _GanRun:
    """What every step of one :func:`train_gan` call uses."""

    G: nn.Module
    D: nn.Module
    opt_g: Adam
    opt_d: Adam
    noise_gen: torch.Generator
    mix_gen: torch.Generator
    cfg: GanConfig
    device: torch.device
    name: str
    autocast: object = None

    def fakes(self) -> torch.Tensor:
        """D's fake batch from G without gradients."""
        with torch.no_grad(), self.autocast:
            return self.G(_noise(self.cfg.batch_size, self.G.z_dim, self.noise_gen, self.device))

    def g_step(self, real: torch.Tensor, where: str, window: dict) -> torch.Tensor:
        """One G step on ``real`` (for the mixes); returns D's fake batch: G's pre-update fakes."""
        cfg = self.cfg
        with self.autocast:
            fake_g = self.G(_noise(cfg.g_batch_size, self.G.z_dim, self.noise_gen, self.device))
            logits = self.D(fake_g)
        g_loss = _bce(logits, 1.0)
        g_mix = torch.zeros(())
        if cfg.mixes and cfg.formulation == "paper" and cfg.g_mix_term:
            g_mix = mix_loss(self.D, fake_g, real, cfg, self.mix_gen, self.autocast)
        total_g = g_loss - g_mix
        _finite(self.name, "generator loss", g_loss, where, cfg.lr)
        _finite(self.name, "generator's mixup term", g_mix, where, cfg.lr)
        fake = fake_g[: cfg.batch_size].detach() if cfg.batch_size <= cfg.g_batch_size else self.fakes()
        self.opt_g.zero_grad()
        total_g.backward()
        self.opt_g.step()
        _add(window, g_loss=float(g_loss.detach()), g_mix_loss=float(g_mix.detach()))
        return fake

    def d_step(self, real: torch.Tensor, fake: torch.Tensor, where: str, window: dict) -> None:
        """One D step: BCE on ``real`` and ``fake``, plus the mixup term when the run mixes."""
        cfg = self.cfg
        with self.autocast:
            logits = self.D(torch.cat([real, fake]))
        d_real, d_fake = logits[: real.shape[0]], logits[real.shape[0]:]
        d_loss = _bce(d_real, 1.0) + _bce(d_fake, 0.0)
        d_mix = mix_loss(self.D, fake, real, cfg, self.mix_gen, self.autocast) if cfg.mixes else torch.zeros(())
        total_d = d_loss + d_mix
        _finite(self.name, "discriminator loss", total_d, where, cfg.lr)  # both terms are >= 0
        self.opt_d.zero_grad()  # also clears what G's step left in D
        total_d.backward()
        self.opt_d.step()
        _add(
            window,
            d_loss=float(d_loss.detach()),
            d_mix_loss=float(d_mix.detach()),
            d_real=float(torch.sigmoid(d_real.detach().float()).mean()),
            d_fake=float(torch.sigmoid(d_fake.detach().float()).mean()),
        )


def _add(window: dict, **values: float) -> None:
    for k, v in values.items():
        window[k] = window.get(k, 0.0) + v
        window[f"n_{k}"] = window.get(f"n_{k}", 0) + 1


@torch.no_grad()
def generate(G: nn.Module, n: int, seed: int, batch_size: int = 500) -> torch.Tensor:
    """``n`` samples of G in eval mode (BatchNorm's running statistics) as uint8 (N, C, H, W), from the
    ``samples`` stream of ``seed``: the same G and seed give the same images."""
    G.eval()
    device = next(G.parameters()).device
    gen = seed_generator(seed, "samples")
    out = []
    for start in range(0, n, batch_size):
        z = _noise(min(batch_size, n - start), G.z_dim, gen, device)
        x = G(z).float()
        out.append(((x + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).cpu())
    G.train()
    return torch.cat(out)
