"""The paper's method, once: sample (k, lambda, permutation), mix hidden states and soft targets.

Manifold Mixup (Verma et al., ICML 2019, section 2): for each minibatch draw one mixing layer k uniformly
from an eligible set S, one lambda ~ Beta(alpha, alpha) and one permutation of the batch; run the network
up to k, replace the hidden state h by ``lam * h + (1 - lam) * h[perm]``, continue the forward pass, and
train on the targets mixed with the same ``lam`` and ``perm``. Input mixup is the case S = {input}.

Sampling is separated from applying (as in timm and torchvision's MixUp):

* :func:`sample_mix` draws a :class:`MixParams` from an explicit ``torch.Generator``;
* :func:`mix` applies it to any tensor (images, hidden states, factor vectors, one-hot targets);
* :func:`mixing` applies it inside any ``nn.Module`` at one of the module's declared *mix points*,
  through a forward hook, so no model re-implements mixing.

A model declares its mix points as an ordered tuple of :class:`MixPoint` in an attribute
``mix_points``; index 0 is the input (``module=""``). A model written elsewhere (torchvision's
``resnet18``, say) gets its mix points named from outside with :func:`declare_mix_points`, without
subclassing.

Mixes *across groups* (appendix E: the GAN discriminator mixes real with fake, fake with real and fake with
fake, never real with real) use the same pieces: :func:`sample_pair_mix` draws, for a batch that
concatenates the groups, the index of each mix's first operand (``MixParams.first``) and second operand
(``perm``) and one lambda per mix, from U(0, alpha) or Beta(alpha, alpha); :func:`mix` and :func:`mixing`
then return one mixed example per pair, so the batch after the mix point has as many examples as pairs.

.. note::
   The permutation is a fresh random permutation of the batch, so an example may be paired with itself,
   exactly as in the authors' code (``numpy.random.permutation``). lambda is *not* folded to
   ``max(lam, 1 - lam)`` and not clipped (paper and code agree).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

import torch
from torch import nn

__all__ = [
    "METHODS",
    "MixPoint",
    "MixParams",
    "sample_lambda",
    "sample_mix",
    "sample_pair_mix",
    "LAMBDA_DISTRIBUTIONS",
    "mix",
    "mix_targets",
    "mixing",
    "declare_mix_points",
    "mix_point_names",
    "resolve_mix_point",
    "validate_mix_points",
]

#: Mixing methods known to the project. ``factor`` mixes the generative factors of the synthetic task
#: before rendering (appendix A); it is a data-side mix, applied by the batch source with :func:`mix`.
METHODS = ("none", "input", "manifold", "factor")


@dataclass(frozen=True)
class MixPoint:
    """A place in a model where a hidden state can be mixed.

    ``module`` is the dotted name of the submodule whose *output* is mixed (as in
    ``model.get_submodule``); the empty string means the model's input.
    """

    name: str
    module: str


@dataclass(frozen=True)
class MixParams:
    """One draw of the mixing randomness.

    Attributes:
        lam: scalar tensor (one lambda for the batch, the paper's default) or shape ``(B,)``.
        perm: ``(B,)`` long tensor; example ``i`` is mixed with example ``perm[i]``.
        point: name of the mix point to mix at, or ``None`` for a data-side mix (factor mixup).
        first: ``None`` (example ``i`` is the first operand of mix ``i``: the paper's mix within a batch),
            or a ``(N,)`` long tensor of first operands, so mix ``i`` is ``lam[i] * h[first[i]] + (1 -
            lam[i]) * h[perm[i]]`` and the mixed batch has N examples (mixes across groups, appendix E).
    """

    lam: torch.Tensor
    perm: torch.Tensor
    point: str | None = None
    first: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> "MixParams":
        first = None if self.first is None else self.first.to(device)
        return MixParams(self.lam.to(device), self.perm.to(device), self.point, first)


def sample_lambda(
    alpha: float, generator: torch.Generator, size: Sequence[int] = ()
) -> torch.Tensor:
    """lambda ~ Beta(alpha, alpha); alpha = 0 means no mixing (lambda = 1), as in the authors' code.

    Drawn by inverting the Beta CDF at a uniform variate from ``generator`` (torch's own Beta sampler
    takes no generator), so the draw depends on ``generator`` alone and costs one uniform per lambda.
    """
    alpha = float(alpha)
    if not alpha >= 0:
        raise ValueError(f"alpha: expected a number >= 0, got {alpha!r}")
    size = tuple(size)
    if alpha == 0:
        return torch.ones(size)
    import scipy.special  # here, not at the top: 0.2 s of every step script's start-up otherwise

    u = torch.rand(size, generator=generator, dtype=torch.float64)
    lam = scipy.special.betaincinv(alpha, alpha, u.numpy())
    return torch.as_tensor(lam, dtype=torch.float32)


def sample_mix(
    batch_size: int,
    alpha: float,
    generator: torch.Generator,
    points: Sequence[str] | None = None,
    per_example: bool = False,
) -> MixParams:
    """Draw (k, lambda, permutation) for one minibatch.

    Args:
        batch_size: number of examples B.
        alpha: Beta(alpha, alpha) parameter; 0 gives lambda = 1 (identity).
        generator: the only source of randomness, so equal generator states give equal draws.
        points: eligible mix points (names); k is uniform over them. ``None`` or empty: a data-side mix.
        per_example: one lambda per example (shape ``(B,)``) instead of one per batch.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size: expected an integer >= 1, got {batch_size!r}")
    point = None
    if points:
        idx = int(torch.randint(len(points), (1,), generator=generator).item())
        point = points[idx]
    lam = sample_lambda(alpha, generator, (batch_size,) if per_example else ())
    perm = torch.randperm(batch_size, generator=generator)
    return MixParams(lam=lam, perm=perm, point=point)


#: Distributions of lambda for :func:`sample_pair_mix`: ``uniform`` is U(0, alpha) (appendix E, eq. 4),
#: ``beta`` is Beta(alpha, alpha) (the paper's sections 2-5).
LAMBDA_DISTRIBUTIONS = ("uniform", "beta")


def sample_pair_mix(
    groups: Mapping[str, Sequence[int]],
    pairs: Sequence[tuple[str, str]],
    alpha: float,
    generator: torch.Generator,
    points: Sequence[str] | None = None,
    *,
    distribution: str = "uniform",
    fold: bool = False,
    shuffle: bool = True,
) -> MixParams:
    """Draw the mixes of example pairs across groups of one concatenated batch, one lambda per mix.

    Appendix E's discriminator batch is ``cat([fake, real])`` with ``groups = {"fake": range(0, B),
    "real": range(B, 2B)}`` and ``pairs = [("fake", "fake"), ("real", "fake"), ("fake", "real")]``: each
    pair ``(a, b)`` gives ``min(|a|, |b|)`` mixes ``lam * a_i + (1 - lam) * b_j``, in the order of
    ``pairs``. Mixing the targets (1 real, 0 fake) with :func:`mix_targets` gives eq. 5's labels: lambda
    for real-fake, 1 - lambda for fake-real, 0 for fake-fake (and 1 for real-real, which appendix E
    leaves out simply by not listing the pair).

    Args:
        groups: group name -> indices of its examples in the concatenated batch.
        pairs: (first group, second group) per block of mixes.
        alpha: U(0, alpha)'s upper end, or Beta(alpha, alpha)'s parameter.
        generator: the only source of randomness.
        points: eligible mix points; k is drawn uniformly among them, once for all mixes of the draw.
        distribution: ``uniform`` (U(0, alpha), appendix E) or ``beta`` (Beta(alpha, alpha)).
        fold: lambda := min(lambda, 1 - lambda) (the authors' master-branch GAN code).
        shuffle: pair the operands through independent random permutations of each group (the
            ``new_gan`` branch); ``False`` pairs them index by index (the master branch).

    Draw order: the mix point, then per pair the two permutations (when shuffling) and the lambdas.
    """
    if distribution not in LAMBDA_DISTRIBUTIONS:
        raise ValueError(
            f"distribution: expected one of {', '.join(LAMBDA_DISTRIBUTIONS)}, got {distribution!r}"
        )
    alpha = float(alpha)
    if not alpha >= 0:
        raise ValueError(f"alpha: expected a number >= 0, got {alpha!r}")
    if not pairs:
        raise ValueError("sample_pair_mix: expected at least one pair of groups")
    point = None
    if points:
        point = points[int(torch.randint(len(points), (1,), generator=generator).item())]
    firsts, seconds, lams = [], [], []
    for a, b in pairs:
        for g in (a, b):
            if g not in groups or len(groups[g]) == 0:
                raise ValueError(f"sample_pair_mix: group {g!r} is unknown or empty")
        ia = torch.as_tensor(list(groups[a]), dtype=torch.long)
        ib = torch.as_tensor(list(groups[b]), dtype=torch.long)
        n = min(len(ia), len(ib))
        if shuffle:
            ia = ia[torch.randperm(len(ia), generator=generator)[:n]]
            ib = ib[torch.randperm(len(ib), generator=generator)[:n]]
        else:
            ia, ib = ia[:n], ib[:n]
        if distribution == "uniform":
            lam = alpha * torch.rand(n, generator=generator)
        else:
            lam = sample_lambda(alpha, generator, (n,))
        if fold:
            lam = torch.minimum(lam, 1 - lam)
        firsts.append(ia)
        seconds.append(ib)
        lams.append(lam)
    return MixParams(lam=torch.cat(lams), perm=torch.cat(seconds), point=point, first=torch.cat(firsts))


def _expand_lam(lam: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    lam = lam.to(device=like.device, dtype=like.dtype)
    if lam.ndim == 0:
        return lam
    if lam.shape[0] != like.shape[0]:
        raise ValueError(
            f"mix: lambda has {lam.shape[0]} entries but the batch has {like.shape[0]} examples"
        )
    return lam.view(-1, *([1] * (like.ndim - 1)))


def mix(h: torch.Tensor, params: MixParams, detach: bool = False) -> torch.Tensor:
    """Return ``lam * h + (1 - lam) * h[perm]``; with ``detach`` no gradient flows back into ``h``.

    Works on any tensor whose first dimension is the batch: images, hidden states, factor vectors or
    soft targets. The input is not modified. With ``params.first`` (mixes across groups) the result is
    ``lam * h[first] + (1 - lam) * h[perm]``, one row per mix.
    """
    if params.first is not None:
        return _mix_pairs(h, params, detach)
    if h.shape[0] != params.perm.shape[0]:
        raise ValueError(
            f"mix: the permutation has {params.perm.shape[0]} entries but the batch has "
            f"{h.shape[0]} examples"
        )
    if detach:
        h = h.detach()
    lam = _expand_lam(params.lam, h)
    return lam * h + (1 - lam) * h[params.perm.to(h.device)]


def _mix_pairs(h: torch.Tensor, params: MixParams, detach: bool) -> torch.Tensor:
    first, second = params.first.to(h.device), params.perm.to(h.device)
    if first.shape != second.shape:
        raise ValueError(
            f"mix: {first.shape[0]} first operands but {second.shape[0]} second operands"
        )
    top = int(torch.maximum(first.max(), second.max()))
    if top >= h.shape[0]:
        raise ValueError(f"mix: a pair names example {top} but the batch has {h.shape[0]} examples")
    if detach:
        h = h.detach()
    a, b = h[first], h[second]
    lam = _expand_lam(params.lam, a)
    return lam * a + (1 - lam) * b


def mix_targets(y_soft: torch.Tensor, params: MixParams) -> torch.Tensor:
    """Soft targets mixed with the same lambda and permutation as the hidden state."""
    return mix(y_soft, params)


def mix_point_names(model: nn.Module) -> tuple[str, ...]:
    """Names of the mix points a model declares, in order (0 = input)."""
    return tuple(p.name for p in _declared(model))


def _declared(model: nn.Module) -> tuple[MixPoint, ...]:
    points = getattr(model, "mix_points", None)
    if not points:
        raise TypeError(f"{type(model).__name__} declares no mix points (attribute 'mix_points')")
    return tuple(points)


def resolve_mix_point(model: nn.Module, point: str | int) -> MixPoint:
    """Find a declared mix point by name or by index (0 = input)."""
    points = _declared(model)
    if isinstance(point, int):
        if not 0 <= point < len(points):
            raise ValueError(
                f"mix point index {point} is out of range for {type(model).__name__}: "
                f"expected 0..{len(points) - 1}"
            )
        return points[point]
    for p in points:
        if p.name == point:
            return p
    raise ValueError(
        f"unknown mix point {point!r} for {type(model).__name__}; "
        f"declared: {', '.join(p.name for p in points)}"
    )


def validate_mix_points(model: nn.Module) -> None:
    """Raise if the declaration is not usable: the first point is not the input, a name is declared
    twice, or a point names a submodule the model does not have (checked at build)."""
    _check(model, _declared(model))


def _check(model: nn.Module, points: Sequence[MixPoint]) -> None:
    kind = type(model).__name__
    if points[0].module != "":
        raise ValueError(
            f"{kind}: the first mix point must be the input (module ''), got {points[0].name!r} "
            f"at module {points[0].module!r}"
        )
    names = set()
    for p in points:
        if p.name in names:
            raise ValueError(f"{kind}: mix point {p.name!r} is declared twice")
        names.add(p.name)
        if p.module:
            try:
                model.get_submodule(p.module)
            except AttributeError as err:
                raise ValueError(
                    f"{kind}: mix point {p.name!r} names module {p.module!r}, "
                    "which the model does not have"
                ) from err


def declare_mix_points(model: nn.Module, points: Mapping[str, str] | Sequence[str]) -> nn.Module:
    """Name the mix points of any ``nn.Module`` from outside, without subclassing; return the model.

    ``points`` maps mix-point names to dotted submodule names (as in ``model.get_submodule``; the
    output of that submodule is mixed), in order, or lists submodule names, each then naming its own
    point. The input (module ``""``, named ``"input"`` unless the mapping names it) is always the first
    point, added when not given, so input mixup works on every model. Names are checked against the
    model's modules; on an error the model is left as it was::

        model = torchvision.models.resnet18(num_classes=10)
        declare_mix_points(model, ["layer1", "layer2"])  # input, layer1, layer2
        MixPolicy("manifold", alpha=2.0, eligible=("layer1", "layer2")).forward(model, batch, g, 10)
    """
    if isinstance(points, str):
        raise TypeError("declare_mix_points: expected a mapping or a list of module names, got a string")
    pairs = list(points.items()) if isinstance(points, Mapping) else [(m or "input", m) for m in points]
    inputs = [(n, m) for n, m in pairs if m == ""]
    if len(inputs) > 1:
        raise ValueError(f"{type(model).__name__}: the input (module '') is declared {len(inputs)} times")
    declared = tuple(MixPoint(n, m) for n, m in (inputs or [("input", "")]) + [(n, m) for n, m in pairs if m])
    _check(model, declared)
    model.mix_points = declared
    return model


@contextlib.contextmanager
def mixing(
    model: nn.Module, params: MixParams | None, detach: bool = False
) -> Iterator[None]:
    """Within the block, every forward pass of ``model`` mixes at ``params.point``.

    The hidden state leaving the mix point's module (or the model's input, for a point with
    ``module=""``) is replaced by :func:`mix` of it; the rest of the forward pass is unchanged. With
    ``detach`` the mixed state is cut from the graph, so layers before the mix point get no gradient
    (the paper's "gradient blocked before the mixing layer" variant, section 5.1 / Figure 6).
    ``params=None`` or ``params.point=None`` leaves the model untouched.
    """
    if params is None or params.point is None:
        yield
        return
    point = resolve_mix_point(model, params.point)
    if point.module == "":

        def pre_hook(_module, args, kwargs):
            return (mix(args[0], params, detach),) + tuple(args[1:]), kwargs

        handle = model.register_forward_pre_hook(pre_hook, with_kwargs=True)
    else:

        def hook(_module, _args, output):
            return mix(output, params, detach)

        handle = model.get_submodule(point.module).register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()
