"""The ``precision`` setting: bfloat16 autocast where the hardware runs it natively, fp32 elsewhere.

``auto`` takes bf16 on CUDA and on CPUs with native bf16 matrix units (AMX or AVX512-BF16, read from
the CPU's flags, never guessed from its name), fp32 elsewhere; ``fp32`` and ``bf16`` force one. Only the
forward pass runs under autocast; losses and metrics are computed in fp32 (the training loop casts the
logits back). The value a run used is recorded in its metrics: bit-identical results hold on one kind
of machine and one precision.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache

import torch

__all__ = ["PRECISIONS", "has_native_bf16", "native_bf16_cpu", "resolve_precision", "autocast"]

PRECISIONS = ("auto", "fp32", "bf16")

#: /proc/cpuinfo flags of CPUs that compute bf16 matrix products in hardware.
_BF16_FLAGS = ("amx_bf16", "avx512_bf16")


def has_native_bf16(cpuinfo: str) -> bool:
    """True when the first ``flags`` line of a /proc/cpuinfo text names AMX-BF16 or AVX512-BF16."""
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return any(flag in line.split() for flag in _BF16_FLAGS)
    return False


@lru_cache(maxsize=4)
def native_bf16_cpu(cpuinfo_path: str = "/proc/cpuinfo") -> bool:
    """True when this CPU has AMX-BF16 or AVX512-BF16 units (Linux: the flags in /proc/cpuinfo); False
    where the file cannot be read."""
    try:
        with open(cpuinfo_path) as fh:
            text = fh.read()
    except OSError:
        return False
    return has_native_bf16(text)


def resolve_precision(setting: str, device: torch.device | str) -> str:
    """``"bf16"`` or ``"fp32"`` for this setting on this device."""
    if setting not in PRECISIONS:
        raise ValueError(f"precision: expected one of {', '.join(PRECISIONS)}, got {setting!r}")
    if setting != "auto":
        return setting
    kind = torch.device(device).type
    return "bf16" if kind == "cuda" or (kind == "cpu" and native_bf16_cpu()) else "fp32"


def autocast(precision: str, device: torch.device | str):
    """The forward pass's context: bf16 autocast on the device's type, or nothing for fp32."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)
