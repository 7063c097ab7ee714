"""Compare two results folders of the same config: is a refactor behaviour-preserving?

Every run's ``metrics.json`` must be equal to the last bit, except the git revision its provenance
records and the wall-clock seconds its job took; every evaluation JSON (``fgsm.json``, ``pgd.json``, ``deform.json``, ``gan metrics``) the same;
every ``history.csv`` and every table (``results/tables/*.csv`` and ``.md``) byte for byte. Trained
models are compared by their tensors (a sealed file's bytes embed its provenance).

    python benchmarks/compare_results.py BEFORE/results AFTER/results [--models]

Prints one line per difference and a summary; exits 1 when anything differs or is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path


def _json_without_revision(path: Path):
    """The record less what no two runs share: the git revision, and the wall-clock seconds a job took."""
    data = json.loads(path.read_text())
    if isinstance(data, dict) and isinstance(data.get("provenance"), dict):
        data["provenance"].pop("git_revision", None)
    if isinstance(data, dict) and isinstance(data.get("metrics"), dict):
        for key in [k for k in data["metrics"] if k == "seconds" or k.endswith("_seconds")]:
            data["metrics"].pop(key)
    return data


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tensors_equal(a: Path, b: Path) -> bool:
    import torch

    from mmcore.io import load_torch

    def flat(obj, prefix=""):
        if isinstance(obj, torch.Tensor):
            yield prefix, obj
        elif isinstance(obj, dict):
            for k in sorted(obj, key=str):
                yield from flat(obj[k], f"{prefix}/{k}")
        elif isinstance(obj, (list, tuple)):
            for i, v in enumerate(obj):
                yield from flat(v, f"{prefix}/{i}")

    ta, tb = dict(flat(load_torch(a))), dict(flat(load_torch(b)))
    return ta.keys() == tb.keys() and all(torch.equal(ta[k], tb[k]) for k in ta)


def compare(before: Path, after: Path, models: bool = False) -> list[str]:
    diffs: list[str] = []
    files = sorted(p.relative_to(before) for p in before.rglob("*") if p.is_file())
    checked = 0
    for rel in files:
        a, b = before / rel, after / rel
        top = rel.parts[0]
        if top not in ("runs", "tables") or rel.name.startswith("."):
            continue
        if not b.exists():
            diffs.append(f"missing after: {rel}")
            continue
        if rel.suffix == ".json":
            same = _json_without_revision(a) == _json_without_revision(b)
        elif rel.suffix in (".csv", ".md"):
            same = _digest(a) == _digest(b)
        elif rel.suffix == ".pt" and models:
            same = _tensors_equal(a, b)
        else:
            continue
        checked += 1
        if not same:
            diffs.append(f"differs: {rel}")
    print(f"compared {checked} files under runs/ and tables/: {len(diffs)} differ or are missing")
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--models", action="store_true", help="also compare trained models tensor by tensor")
    args = parser.parse_args()
    diffs = compare(args.before, args.after, args.models)
    for line in diffs:
        print(line)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
