"""PreActResNet18 training-step throughput on CIFAR-shaped batches of 100: fp32 / bf16 x channels-first /
channels-last side by side, with the CPU's model and its bf16-relevant flags.

Usage: .venv/bin/python benchmarks/train_step.py [--threads 1] [--steps 5] [--device cpu] [--width 64]
       [--size 32] [--mixup manifold] [--epoch-images 0] [--json FILE]
Each cell is the median of --steps steps after 2 warm-up steps, with manifold mixup (k uniform over
{input, stage1, stage2}) unless --mixup none. --epoch-images N also times a whole epoch of N random
images (N / 100 steps) in every cell (used by benchmarks/gpu_check.sh; give gpu_hours.py the result).
"""

import argparse
import json
import platform
import statistics
import time

import torch

from mmcore.losses import bce_softmax, one_hot
from mmcore.mixup import mix_targets, mixing, sample_mix
from mmcore.models import create_model
from mmcore.precision import autocast, native_bf16_cpu


def cpu_description() -> dict:
    model, flags = platform.processor() or "unknown", []
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name") and model in ("unknown", "x86_64", ""):
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = [f for f in line.split()[2:] if f.startswith(("avx2", "avx512", "amx"))]
                    break
    except OSError:
        pass
    return {"cpu": model, "flags": sorted(set(flags)), "native_bf16": native_bf16_cpu()}


def timed(fn, steps: int, sync) -> float:
    for _ in range(2):
        fn()
    times = []
    for _ in range(steps):
        sync()
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--width", type=int, default=64, help="PreActResNet base width (paper 64; stand-in 8)")
    ap.add_argument("--size", type=int, default=32, help="image side (CIFAR 32; Fashion-MNIST 28)")
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--mixup", default="manifold", choices=["manifold", "none"])
    ap.add_argument("--epoch-images", type=int, default=0)
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    torch.manual_seed(0)
    base = create_model("preactresnet18", num_classes=10, in_channels=args.channels, width=args.width)
    x = torch.rand(100, args.channels, args.size, args.size, device=dev)
    y = one_hot(torch.randint(0, 10, (100,)), 10).to(dev)
    g = torch.Generator().manual_seed(0)
    results = []
    for precision in ("fp32", "bf16"):
        for layout in ("channels-first", "channels-last"):
            model = create_model("preactresnet18", num_classes=10, in_channels=args.channels, width=args.width)
            model.load_state_dict(base.state_dict())
            model.to(dev)
            inp = x
            if layout == "channels-last":
                model.to(memory_format=torch.channels_last)
                inp = x.contiguous(memory_format=torch.channels_last)
            opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)

            def step():
                with autocast(precision, dev):
                    if args.mixup == "manifold":
                        p = sample_mix(100, 2.0, g, points=["input", "stage1", "stage2"]).to(dev)
                        with mixing(model, p):
                            logits, target = model(inp), mix_targets(y, p)
                    else:
                        logits, target = model(inp), y
                loss = bce_softmax(logits.float(), target)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()

            cell = {"precision": precision, "layout": layout, "step_s": timed(step, args.steps, sync)}
            if args.epoch_images:
                sync()
                t = time.perf_counter()
                for _ in range(max(1, args.epoch_images // 100)):
                    step()
                sync()
                cell["epoch_s"] = time.perf_counter() - t
            results.append(cell)
    ref = results[0]["step_s"]
    info = {
        "torch": torch.__version__,
        "device": str(dev) if dev.type != "cuda" else torch.cuda.get_device_name(dev),
        "threads": args.threads,
        "width": args.width,
        "image": f"{args.channels}x{args.size}x{args.size}",
        "mixup": args.mixup,
        **cpu_description(),
        "results": results,
    }
    print(f"torch {info['torch']}, {info['device']}, {args.threads} thread(s), PreActResNet18 width {args.width}, "
          f"batch 100 of {info['image']}, {args.mixup} mixup")
    print(f"CPU: {info['cpu']}; flags {' '.join(info['flags']) or '-'}; native bf16: {info['native_bf16']}")
    print(f"{'precision':10s} {'layout':15s} {'ms/step':>9s} {'images/s':>9s} {'speed-up':>9s}" +
          ("  epoch s" if args.epoch_images else ""))
    for r in results:
        line = f"{r['precision']:10s} {r['layout']:15s} {r['step_s'] * 1000:9.1f} {100 / r['step_s']:9.1f} {ref / r['step_s']:8.2f}x"
        if "epoch_s" in r:
            line += f"  {r['epoch_s']:7.1f}"
        print(line)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(info, fh, indent=2)


if __name__ == "__main__":
    main()
