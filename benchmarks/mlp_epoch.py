"""One training epoch over 60,000 MNIST-sized images of the deepest bottleneck MLP (issue 3 goal: <= 10 s).

Usage: .venv/bin/python benchmarks/mlp_epoch.py [--threads 2] [--batch 256] [--steps 30]
Times ``--steps`` Adam steps of ``mlp_bottleneck12_after3`` (3 x 1024, 12, 4 x 1024) with the paper's
BCE-on-softmax loss and manifold mixup at the bottleneck, then scales to one epoch of 60,000 images.
Also prints the fp32 FLOPs of that epoch, for comparison with the machine's peak.
"""

import argparse
import time

import torch

from mmcore.losses import bce_softmax, one_hot
from mmcore.mixup import mix_targets, mixing, sample_mix
from mmcore.models import create_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=30)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = create_model("mlp_bottleneck12_after3", num_classes=10, in_channels=1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.rand(args.batch, 1, 28, 28)
    y = one_hot(torch.randint(0, 10, (args.batch,)), 10)
    g = torch.Generator().manual_seed(0)

    def step():
        p = sample_mix(args.batch, 2.0, g, points=["bottleneck"])
        with mixing(model, p):
            loss = bce_softmax(model(x), mix_targets(y, p))
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    t = time.perf_counter()
    for _ in range(args.steps):
        step()
    per_step = (time.perf_counter() - t) / args.steps
    macs = sum(m.in_features * m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear))
    flops = 3 * 2 * macs * 60000  # forward + two backward matmuls per layer
    epoch = per_step * 60000 / args.batch
    print(f"torch {torch.__version__}, threads {args.threads}, batch {args.batch}")
    print(f"{per_step * 1000:.1f} ms per step -> {epoch:.1f} s per epoch of 60,000 images")
    print(f"{flops / 1e12:.2f} TFLOP per epoch -> {flops / epoch / 1e9:.0f} GFLOP/s achieved")


if __name__ == "__main__":
    main()
