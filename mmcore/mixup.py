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
subclassing. The GAN discriminator reuses the
same pieces: a batch that concatenates real and fake examples, a permutation that pairs real with fake,
and one lambda per example (``per_example=True``).

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
    """

    lam: torch.Tensor
    perm: torch.Tensor
    point: str | None = None

    def to(self, device: torch.device | str) -> "MixParams":
        return MixParams(self.lam.to(device), self.perm.to(device), self.point)


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
    soft targets. The input is not modified.
    """
    if h.shape[0] != params.perm.shape[0]:
        raise ValueError(
            f"mix: the permutation has {params.perm.shape[0]} entries but the batch has "
            f"{h.shape[0]} examples"
        )
    if detach:
        h = h.detach()
    lam = _expand_lam(params.lam, h)
    return lam * h + (1 - lam) * h[params.perm.to(h.device)]


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
