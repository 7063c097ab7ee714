"""The precision setting: auto follows the hardware's native bf16 support; bf16 autocasts the forward."""

import pytest
import torch

from mmcore import precision
from mmcore.precision import autocast, has_native_bf16, native_bf16_cpu, resolve_precision


def _cpuinfo(flags: str, processors: int = 2) -> str:
    """A /proc/cpuinfo text of the x86 layout: one block per logical CPU, each with its flags line."""
    block = (
        "processor\t: {i}\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC Processor\n"
        "flags\t\t: {flags}\nbugs\t\t: sysret_ss_attrs\n\n"
    )
    return "".join(block.format(i=i, flags=flags) for i in range(processors))


X86_BASE = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge cmov sse sse2 ssse3 fma sse4_1 sse4_2"

# (flags of the CPU, what `precision: auto` must choose on it), each answer written down by hand.
CPUS = {
    "avx2 only (no AVX-512)": (X86_BASE + " avx avx2", "fp32"),
    "AVX-512 without bf16 (Skylake-SP)": (X86_BASE + " avx avx2 avx512f avx512dq avx512cd avx512bw avx512vl", "fp32"),
    "AVX512-BF16 (Zen 4, Cooper Lake)": (X86_BASE + " avx2 avx512f avx512bw avx512_bf16 avx512_vnni", "bf16"),
    "AMX-BF16 alone": (X86_BASE + " avx2 amx_bf16 amx_tile amx_int8", "bf16"),
    "AMX and AVX512-BF16 (Sapphire Rapids)": (X86_BASE + " avx512f avx512_bf16 amx_bf16 amx_tile", "bf16"),
    "VNNI and FP16 but no bf16 flag": (X86_BASE + " avx512f avx512_vnni avx512_fp16 avx_vnni", "fp32"),
}


@pytest.mark.parametrize("cpu", list(CPUS))
def test_auto_takes_bf16_exactly_on_cpus_with_bf16_units(cpu, monkeypatch):
    flags, expected = CPUS[cpu]
    text = _cpuinfo(flags)
    assert has_native_bf16(text) == (expected == "bf16")
    monkeypatch.setattr(precision, "native_bf16_cpu", lambda: has_native_bf16(text))
    assert resolve_precision("auto", "cpu") == expected


def test_a_flag_must_be_a_whole_word_of_the_flags_line():
    # the flag's name elsewhere (model name, another line) or as part of a longer word does not count
    text = "model name\t: avx512_bf16 amx_bf16 test part\nflags\t\t: fpu avx2 xavx512_bf16 amx_bf16x\n"
    assert not has_native_bf16(text)
    assert not has_native_bf16("")  # no flags line at all
    # aarch64 lists "Features" (with its own bf16), not x86 flags: auto takes fp32 there
    assert not has_native_bf16("processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\nCPU implementer\t: 0x41\n")


def test_the_flags_are_read_from_the_cpuinfo_file(tmp_path):
    fast, slow = tmp_path / "bf16", tmp_path / "avx2"
    fast.write_text(_cpuinfo(CPUS["AVX512-BF16 (Zen 4, Cooper Lake)"][0]))
    slow.write_text(_cpuinfo(CPUS["avx2 only (no AVX-512)"][0]))
    assert native_bf16_cpu(str(fast)) is True and native_bf16_cpu(str(slow)) is False
    assert native_bf16_cpu(str(tmp_path / "missing")) is False  # no /proc (not Linux): fp32


def test_auto_on_cuda_and_the_forced_settings(monkeypatch):
    monkeypatch.setattr(precision, "native_bf16_cpu", lambda: False)
    assert resolve_precision("auto", "cuda") == "bf16"  # every CUDA GPU of the last years
    assert resolve_precision("fp32", "cuda") == "fp32" and resolve_precision("bf16", "cpu") == "bf16"
    with pytest.raises(ValueError, match="precision: expected one of auto, fp32, bf16"):
        resolve_precision("fp16", "cpu")


def test_bf16_autocasts_the_forward_and_fp32_does_not():
    layer = torch.nn.Linear(8, 4)
    x = torch.randn(2, 8)
    with autocast("bf16", "cpu"):
        assert layer(x).dtype == torch.bfloat16
    with autocast("fp32", "cpu"):
        assert layer(x).dtype == torch.float32
