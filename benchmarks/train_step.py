"""PreActResNet18 training-step throughput on CIFAR-shaped batches of 100 (issue 4 goals).

Usage: .venv/bin/python benchmarks/train_step.py [--threads 2] [--steps 5] [--device cpu]
Measures, in one process on the same model weights:
  1. a plain channels-first fp32 step (the reference), and ours in channels-last;
  2. manifold mixup (k uniform over {input, stage1, stage2}) against no mixing, both channels-last;
  3. batched crop + flip of uint8 batches (mmcore.data.augment) in images/s, against the images/s
     the model consumes.
Each timed block is the median of --steps steps after 2 warm-up steps.
"""

import argparse
import statistics
import time

import torch

from mmcore.data.augment import crop_flip
from mmcore.losses import bce_softmax, one_hot
from mmcore.mixup import mix_targets, mixing, sample_mix
from mmcore.models import create_model


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
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    torch.manual_seed(0)
    model = create_model("preactresnet18", num_classes=10).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    x = torch.rand(100, 3, 32, 32, device=dev)
    y = one_hot(torch.randint(0, 10, (100,)), 10).to(dev)
    g = torch.Generator().manual_seed(0)

    def step(inp, method="none"):
        if method == "manifold":
            p = sample_mix(100, 2.0, g, points=["input", "stage1", "stage2"]).to(dev)
            with mixing(model, p):
                loss = bce_softmax(model(inp), mix_targets(y, p))
        else:
            loss = bce_softmax(model(inp), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    first = timed(lambda: step(x), args.steps, sync)
    model.to(memory_format=torch.channels_last)
    xl = x.contiguous(memory_format=torch.channels_last)
    last = timed(lambda: step(xl), args.steps, sync)
    manifold = timed(lambda: step(xl, "manifold"), args.steps, sync)
    u8 = torch.randint(0, 256, (100, 3, 32, 32), dtype=torch.uint8, device=dev)
    aug = timed(lambda: crop_flip(u8.float().div_(255), 2, True, g), max(args.steps, 20), sync)
    print(f"torch {torch.__version__}, device {dev}, threads {args.threads}, batch 100, 32x32")
    print(f"channels-first fp32 step: {first * 1000:8.1f} ms  ({100 / first:7.1f} images/s)")
    print(f"channels-last fp32 step:  {last * 1000:8.1f} ms  ({100 / last:7.1f} images/s)  speed-up {first / last:.2f}x")
    print(f"manifold mixup step:      {manifold * 1000:8.1f} ms  overhead {100 * (manifold / last - 1):+.1f} %")
    print(f"crop + flip of 100:       {aug * 1000:8.2f} ms  ({100 / aug:9.0f} images/s = {last / aug:.0f}x the model)")


if __name__ == "__main__":
    main()
