"""The precision setting: auto follows the hardware's native bf16 support; bf16 autocasts the forward."""

import pytest
import torch

from mmcore import precision
from mmcore.precision import autocast, resolve_precision


def test_auto_follows_the_cpu_flags(monkeypatch):
    monkeypatch.setattr(precision, "native_bf16_cpu", lambda: True)
    assert resolve_precision("auto", "cpu") == "bf16"
    monkeypatch.setattr(precision, "native_bf16_cpu", lambda: False)
    assert resolve_precision("auto", "cpu") == "fp32"
    assert resolve_precision("auto", "cuda") == "bf16"  # every CUDA GPU of the last years
    assert resolve_precision("fp32", "cuda") == "fp32" and resolve_precision("bf16", "cpu") == "bf16"
    with pytest.raises(ValueError, match="precision: expected one of auto, fp32, bf16"):
        resolve_precision("fp16", "cpu")


def test_the_flags_are_read_from_cpuinfo():
    with open("/proc/cpuinfo") as fh:
        flags = next((line.split() for line in fh if line.startswith("flags")), [])
    precision.native_bf16_cpu.cache_clear()
    assert precision.native_bf16_cpu() == ("amx_bf16" in flags or "avx512_bf16" in flags)


def test_bf16_autocasts_the_forward_and_fp32_does_not():
    layer = torch.nn.Linear(8, 4)
    x = torch.randn(2, 8)
    with autocast("bf16", "cpu"):
        assert layer(x).dtype == torch.bfloat16
    with autocast("fp32", "cpu"):
        assert layer(x).dtype == torch.float32
