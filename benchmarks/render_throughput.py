"""Synthetic renderer throughput (issue goal: >= 2,000 images/s on the 2-core reference machine).

Usage: .venv/bin/python benchmarks/render_throughput.py [--threads 1] [--n 4096] [--repeats 5]
Prints images/s for the renderer alone and for a full training batch (factors + render), median of
the repeats. Record results in docs/benchmarks.md with the machine, torch version and thread count.
"""

import argparse
import statistics
import time

import torch

from mmcore.data.synthetic import SyntheticSource, render, sample_factors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    factors, _ = sample_factors("C", args.n, torch.Generator().manual_seed(0))
    render(factors[:256])  # warm-up
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        render(factors)
        times.append(time.perf_counter() - t)
    rate = args.n / statistics.median(times)
    source = SyntheticSource("C", 128, seed=0)
    batches = max(1, args.n // 128)
    btimes = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        for _ in range(batches):
            source.next_batch()
        btimes.append(time.perf_counter() - t)
    brate = batches * 128 / statistics.median(btimes)
    print(f"torch {torch.__version__}, threads {args.threads}, n {args.n}, repeats {args.repeats}")
    print(f"render only:               {rate:8.0f} images/s")
    print(f"training batches of 128:   {brate:8.0f} images/s (factors + render)")


if __name__ == "__main__":
    main()
