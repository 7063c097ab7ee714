"""The pilot of a configuration (``config.pilot``, configs/pilot.yaml, docs/pilot.md).

A pilot runs every job of a configuration through the real rules and code with the configuration's
models, batch sizes, image sizes and data pipeline, but every training loop capped at a few optimisation
steps and every evaluation at a few images, so that a paper-scale job that cannot run fails here, in
minutes, before cluster time is spent. This module holds:

* the caps: :func:`apply_pilot` writes them into every run row (``pilot_epochs``, ``pilot_steps``,
  ``pilot_eval_images``, ``pilot_attack_iterations``) and gives the row a new run id (``...-pilot-<hash>``)
  so that a pilot run never shares a folder with a real one; :func:`caps_of` reads them back in the
  loops (``None`` for a real run, which therefore computes exactly as before);
* the report: job kinds (:func:`job_kind`), what each kind stands for at full scale
  (:func:`full_scale_kinds`), the projection of its wall time and the check against the Slurm
  profile's ``mem_mb`` and ``runtime`` (:func:`report_rows`, :func:`profile_limits`).

Light (no torch): the workflow imports it while it parses.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

__all__ = [
    "Caps",
    "apply_pilot",
    "caps_of",
    "capped_schedule",
    "capped_count",
    "job_kind",
    "run_kind",
    "paper_steps",
    "full_scale_kinds",
    "profile_limits",
    "report_rows",
    "report_markdown",
    "TRAIN_RULES",
    "DATASET_SIZES",
    "merge_configs",
    "read_benchmark",
    "collect_job",
    "robustness_jobs",
]

#: The keys the pilot adds to a run row.
ROW_KEYS = ("pilot_epochs", "pilot_steps", "pilot_eval_images", "pilot_attack_iterations")


@dataclass(frozen=True)
class Caps:
    """A pilot run's caps: ``epochs`` x ``steps`` (per epoch) optimisation steps, ``eval_images`` images per
    evaluation, ``attack_iterations`` PGD iterations."""

    epochs: int
    steps: int
    eval_images: int
    attack_iterations: int

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps


def caps_of(run: dict) -> Caps | None:
    """The caps of a pilot run row, or None for a real run (whose loops then run uncapped)."""
    if "pilot_epochs" not in run:
        return None
    return Caps(
        int(run["pilot_epochs"]),
        int(run["pilot_steps"]),
        int(run["pilot_eval_images"]),
        int(run["pilot_attack_iterations"]),
    )


def capped_count(n: int, caps: Caps | None, cap_attr: str = "eval_images") -> int:
    """``n`` (0 = all) capped at the pilot's ``cap_attr``; ``n`` itself without a pilot."""
    if caps is None:
        return n
    cap = getattr(caps, cap_attr)
    return cap if n <= 0 else min(n, cap)


def capped_schedule(
    epochs: int, steps_per_epoch: int, milestones: list[int], caps: Caps | None
) -> tuple[int, int, list[int]]:
    """``(epochs, steps per epoch, milestone epochs)`` of an epoch-based loop under the caps.

    Without a pilot the arguments come back unchanged. A pilot runs ``caps.epochs`` epochs of at most
    ``caps.steps`` steps; the milestones are scaled by ``caps.epochs / epochs`` (rounded up, those at or
    past the pilot's last epoch dropped), so a schedule with milestones still changes its learning rate.
    """
    if caps is None:
        return epochs, steps_per_epoch, list(milestones)
    new_epochs = caps.epochs
    scaled = sorted({math.ceil(m * new_epochs / epochs) for m in milestones if epochs > 0})
    return new_epochs, min(steps_per_epoch, caps.steps), [m for m in scaled if 0 < m < new_epochs]


def _digest(row: dict) -> str:
    body = {k: v for k, v in row.items() if k != "run_id"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:8]


def apply_pilot(cells: dict[str, list[dict]], pilot: dict) -> None:
    """Write the pilot's caps into every run row of ``cells`` (in place) and re-id each row
    ``<readable part>-pilot-<hash of the row with its caps>``; references between runs (a GAN run's
    ``feature_run``) follow."""
    caps = {
        "pilot_epochs": int(pilot["epochs"]),
        "pilot_steps": int(pilot["steps"]),
        "pilot_eval_images": int(pilot["eval_images"]),
        "pilot_attack_iterations": int(pilot["attack_iterations"]),
    }
    renamed: dict[str, str] = {}

    def re_id(row: dict) -> None:
        if "pilot_epochs" in row:
            return
        old = row["run_id"]
        row.update(caps)
        row["run_id"] = f"{old.rsplit('-', 1)[0]}-pilot-{_digest(row)}"
        renamed[old] = row["run_id"]

    for table in cells.values():
        for cell in table:
            for aux in cell.get("aux_runs", ()):
                re_id(aux)
    for table in cells.values():
        for cell in table:
            for run in cell["runs"]:
                if run.get("feature_run"):
                    run["feature_run"] = renamed.get(run["feature_run"], run["feature_run"])
                re_id(run)


# ---- the report: job kinds, full-scale counts, projection, profile check ---------------------------------

#: The training rules and the experiment of their runs.
TRAIN_RULES = {
    "synthetic": "synthetic_train",
    "representations": "representations_train",
    "supervised": "supervised_train",
    "gan": "gan_train",
    "gan_classifier": "gan_classifier_train",
}

#: (training images, test images) of the real datasets at full scale, for the projections (SVHN: the
#: authors' 7,325 per class keep 62,156 of 73,257; MNIST-family subsets of classes take their share).
DATASET_SIZES = {
    "mnist": (60_000, 10_000),
    "fashion_mnist": (60_000, 10_000),
    "cifar10": (50_000, 10_000),
    "cifar100": (50_000, 10_000),
    "svhn": (73_257, 26_032),
    "tiny_imagenet": (100_000, 10_000),
}
#: Bytes per image (uint8) of each dataset, for the memory projection.
IMAGE_BYTES = {
    "mnist": 28 * 28,
    "fashion_mnist": 28 * 28,
    "cifar10": 3 * 32 * 32,
    "cifar100": 3 * 32 * 32,
    "svhn": 3 * 32 * 32,
    "tiny_imagenet": 3 * 64 * 64,
}


def run_kind(run: dict) -> str:
    """The kind of a training run: experiment, dataset (synthetic: task), model and method family."""
    exp = run["experiment"]
    if exp == "synthetic":
        parts = [exp, f"task{run['task']}", run["model"], run["method"]]
    elif exp == "representations":
        parts = [exp, run["dataset"], run["model"], run["method"]]
    elif exp == "supervised":
        method = run["method"] + ("-detach" if run.get("detach") else "")
        parts = [exp, run["dataset"], run["arch"], method]
    elif exp == "gan":
        parts = [exp, run["dataset"], run["arch"], run["method"]]
    else:
        parts = [exp, run.get("dataset", ""), run.get("model", "")]
    return "/".join(str(p) for p in parts)


def job_kind(rule: str, run: dict | None = None, wildcard: str = "") -> str:
    """The kind of one job: its rule and, for a run's job, the run's kind (else the wildcard)."""
    if run is not None:
        return f"{rule}:{run_kind(run)}"
    return f"{rule}:{wildcard}" if wildcard else rule


def _train_images(run: dict) -> int:
    data = run.get("dataset")
    n = DATASET_SIZES.get(data, (50_000, 10_000))[0]
    if run.get("classes"):
        lo, hi = (int(v) for v in str(run["classes"]).split("-"))
        n = n * (hi - lo + 1) // 10
    if data == "svhn" and int(run.get("train_per_class") or 0):
        n = min(n, 62_156) if int(run["train_per_class"]) >= 7325 else min(n, 10 * int(run["train_per_class"]))
    elif int(run.get("train_per_class") or 0):
        n = min(n, int(run["train_per_class"]) * 10)
    if int(run.get("train_size") or 0):
        n = min(n, int(run["train_size"]))
    return n


def paper_steps(run: dict) -> int:
    """Optimisation steps of a full-scale run (GAN: generator steps, each with ``n_dis`` D steps)."""
    exp = run["experiment"]
    if exp == "synthetic":
        return int(run["iterations"])
    if exp == "gan":
        return int(run["g_steps"])
    return int(run["epochs"]) * math.ceil(_train_images(run) / int(run["batch_size"]))


def eval_images(rule: str, run: dict, config: dict) -> int:
    """Images one full-scale job of ``rule`` evaluates (for the projection of its evaluation time): the
    test set every epoch, the samples and reference of a GAN, each attacked or deformed test image."""
    test = DATASET_SIZES.get(run.get("dataset"), (0, 10_000))[1]
    if int(run.get("test_size") or 0):
        test = min(test, int(run["test_size"]))
    if rule == "supervised_train":
        return test * int(run["epochs"]) + _train_images(run)
    if rule == "representations_train":
        return test
    if rule == "synthetic_train":
        return 2 * int(config.get("synthetic", {}).get("test_size", 1000))
    if rule == "gan_train":
        ref = int(run["reference_size"]) or _train_images(run)
        return int(run["eval_samples"]) + ref
    if rule == "robustness_deform":
        deforms = config.get("robustness", {}).get("deformations", {})
        return test * (1 + sum(len(v) for v in deforms.values()))
    if rule == "robustness_fgsm":
        return test * (1 + 2 * len(config.get("robustness", {}).get("fgsm", {}).get("epsilons", [])))
    if rule == "robustness_pgd":
        pgd = config.get("robustness", {}).get("pgd", {})
        n = int(pgd.get("test_size") or 0) or test
        return n * (2 + int(pgd.get("iterations", 200)))
    return 0


def full_scale_kinds(config: dict, cells: dict[str, list[dict]], robustness_jobs: dict[str, list[str]]) -> dict:
    """Per job kind of the full-scale run sheet: the number of jobs, optimisation steps and evaluated
    images, and the largest dataset in memory (bytes). ``robustness_jobs``: rule -> the run ids it
    evaluates (from the registry's cells)."""
    from .runsheet import all_runs

    runs = all_runs(cells)
    out: dict[str, dict] = {}

    def add(rule: str, run: dict, steps: int) -> None:
        kind = job_kind(rule, run)
        k = out.setdefault(kind, {"rule": rule, "jobs": 0, "steps": 0, "eval_images": 0, "max_steps": 0,
                                  "data_bytes": 0})
        k["jobs"] += 1
        k["steps"] += steps
        k["max_steps"] = max(k["max_steps"], steps)
        k["eval_images"] = max(k["eval_images"], eval_images(rule, run, config))
        data = run.get("dataset")
        if data in IMAGE_BYTES:
            k["data_bytes"] = max(k["data_bytes"], sum(DATASET_SIZES[data]) * IMAGE_BYTES[data])

    for run in runs.values():
        add(TRAIN_RULES[run["experiment"]], run, paper_steps(run))
    for data in sorted({r["dataset"] for r in runs.values() if r.get("dataset")}):
        out[job_kind("prepare_data", wildcard=data)] = {
            "rule": "prepare_data", "jobs": 1, "steps": 0, "eval_images": 0, "max_steps": 0,
            "data_bytes": sum(DATASET_SIZES.get(data, (0, 0))) * IMAGE_BYTES.get(data, 0),
        }
    for rule, ids in robustness_jobs.items():
        for rid in dict.fromkeys(ids):
            add(rule, runs[rid], 0)
    return out


def robustness_jobs(cells: dict[str, list[dict]], reads: dict[str, str]) -> dict[str, list[str]]:
    """rule -> run ids it evaluates: an artefact that reads ``deform.json`` / ``fgsm.json`` / ``pgd.json``
    needs the robustness job of that name for each of its runs. ``reads``: artefact -> file it reads."""
    rules = {"deform.json": "robustness_deform", "fgsm.json": "robustness_fgsm", "pgd.json": "robustness_pgd"}
    out: dict[str, list[str]] = {}
    for name, table in cells.items():
        rule = rules.get(reads.get(name, ""))
        if rule:
            out.setdefault(rule, []).extend(r["run_id"] for cell in table for r in cell["runs"])
    return out


# ---- the Slurm profile ---------------------------------------------------------------------------------


def _evaluate(value, attempt: int = 1):
    """A profile resource: a number, or a Python expression in ``attempt`` (``"720 * attempt"``)."""
    if isinstance(value, (int, float)):
        return value
    try:
        return eval(str(value), {"__builtins__": {}}, {"attempt": attempt})  # noqa: S307 - the profile's own syntax
    except Exception:  # noqa: BLE001 - a string resource (a partition) is no number
        return None


def profile_limits(profile: dict, rule: str, rule_resources: dict | None = None) -> dict:
    """``{"mem_mb": (value, key), "runtime": (value, key)}`` of ``rule`` on its first attempt: the
    profile's set-resources, else the rule's own resources, else the profile's default-resources; the
    key names where to change it."""
    own = (profile.get("set-resources") or {}).get(rule) or {}
    out = {}
    for res in ("mem_mb", "runtime"):
        if res in own:
            out[res] = (_evaluate(own[res]), f"set-resources.{rule}.{res}")
        elif rule_resources and res in rule_resources and _evaluate(rule_resources[res]) is not None:
            out[res] = (_evaluate(rule_resources[res]), f"set-resources.{rule}.{res} (now the rule's own value)")
        else:
            out[res] = (_evaluate((profile.get("default-resources") or {}).get(res)), f"default-resources.{res}")
    return out


# ---- the report rows -----------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def report_rows(
    jobs: list[dict], full: dict[str, dict], profile: dict, rule_resources: dict[str, dict], gpu_speedup: float
) -> list[dict]:
    """One row per job kind of the pilot.

    ``jobs``: one dict per pilot job: ``kind``, ``rule``, ``ran`` (its outputs exist), ``wall_s`` and
    ``max_rss_mb`` (its benchmark record, when the rule has one), ``steps`` and ``train_s`` (optimisation
    steps and their seconds, for training jobs), ``eval_images`` and ``eval_s`` (evaluated images and their
    seconds), ``data_bytes`` (the prepared data it loaded). ``full``: :func:`full_scale_kinds`.

    Projection, per full-scale job of the kind (its longest): ``(max_steps x seconds per step + eval images
    x seconds per image) / gpu_speedup`` plus the pilot's fixed overhead (wall time not in either), in
    minutes; memory: the pilot's peak RSS plus the full-scale data it would hold (the largest dataset,
    twice: loaded and batched) minus the placeholder's. Flags: projected memory above the profile's
    ``mem_mb``, projected runtime above its first-attempt ``runtime``.
    """
    by_kind: dict[str, list[dict]] = {}
    for job in jobs:
        by_kind.setdefault(job["kind"], []).append(job)
    rows = []
    for kind in sorted(set(by_kind) | set(full)):
        js = by_kind.get(kind, [])
        f = full.get(kind, {})
        rule = (js[0]["rule"] if js else f.get("rule", kind.split(":", 1)[0]))
        ran = bool(js) and all(j.get("ran") for j in js)
        step_s = [j["train_s"] / j["steps"] for j in js if j.get("steps")]
        per_img = [j["eval_s"] / j["eval_images"] for j in js if j.get("eval_images")]
        wall = [j["wall_s"] for j in js if j.get("wall_s") is not None]
        rss = [j["max_rss_mb"] for j in js if j.get("max_rss_mb") is not None]
        s_step = _median(step_s) if step_s else None
        s_img = _median(per_img) if per_img else None
        overhead = None
        if wall:
            used = [j["wall_s"] - j.get("train_s", 0) - j.get("eval_s", 0) for j in js if j.get("wall_s") is not None]
            overhead = max(0.0, _median(used))
        row = {
            "kind": kind,
            "rule": rule,
            "pilot_jobs": len(js),
            "ran": ran,
            "wall_s": round(max(wall), 1) if wall else None,
            "s_per_step": round(s_step, 4) if s_step is not None else None,
            "s_per_eval_image": round(s_img, 5) if s_img is not None else None,
            "max_rss_mb": round(max(rss), 1) if rss else None,
            "full_jobs": f.get("jobs", 0),
            "full_steps": f.get("steps", 0),
            "full_max_steps": f.get("max_steps", 0),
            "full_eval_images": f.get("eval_images", 0),
        }
        projected_min = None
        if f and (s_step is not None or s_img is not None):
            gpu_s = ((s_step or 0.0) * f["max_steps"] + (s_img or 0.0) * f["eval_images"]) / gpu_speedup
            projected_min = (gpu_s + (overhead or 0.0)) / 60
            row["projected_gpu_hours_total"] = round(
                ((s_step or 0.0) * f["steps"] + (s_img or 0.0) * f["eval_images"] * f["jobs"]) / gpu_speedup / 3600, 2
            )
        row["projected_runtime_min"] = round(projected_min, 1) if projected_min is not None else None
        projected_mem = None
        if rss:
            pilot_data = max((j.get("data_bytes", 0) for j in js), default=0)
            extra = max(0, 2 * (f.get("data_bytes", 0) - pilot_data)) / 2**20
            projected_mem = max(rss) + extra
        row["projected_mem_mb"] = round(projected_mem) if projected_mem is not None else None
        limits = profile_limits(profile, rule, rule_resources.get(rule))
        mem, mem_key = limits["mem_mb"]
        runtime, rt_key = limits["runtime"]
        row["profile_mem_mb"], row["profile_runtime_min"] = mem, runtime
        flags = []
        if projected_mem is not None and mem is not None and projected_mem > mem:
            flags.append(f"memory {projected_mem:.0f} MB > {mem} MB: raise {mem_key}")
        if projected_min is not None and runtime is not None and projected_min > runtime:
            flags.append(f"runtime {projected_min:.0f} min > {runtime} min: raise {rt_key}")
        if js and not ran:
            flags.append("did not run")
        if not js:
            flags.append("no pilot job of this kind")
        row["flags"] = "; ".join(flags)
        rows.append(row)
    return rows


_COLUMNS = [
    ("kind", "job kind"), ("ran", "ran"), ("pilot_jobs", "pilot jobs"), ("wall_s", "wall s"),
    ("s_per_step", "s / step"), ("s_per_eval_image", "s / eval image"), ("max_rss_mb", "peak RSS MB"),
    ("full_jobs", "full-scale jobs"), ("full_steps", "full-scale steps"),
    ("projected_runtime_min", "projected min / job"), ("projected_gpu_hours_total", "projected GPU-h (all)"),
    ("projected_mem_mb", "projected MB"), ("profile_mem_mb", "profile mem_mb"),
    ("profile_runtime_min", "profile runtime"), ("flags", "profile check"),
]


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "NO"
    return str(v)


def report_markdown(rows: list[dict], *, title: str, notes: list[str], placeholders: list[dict]) -> str:
    """The pilot report as Markdown: notes, the placeholders, then one table row per job kind."""
    flagged = [r for r in rows if r["flags"]]
    lines = [f"# {title}", ""]
    lines += [f"- {n}" for n in notes]
    lines += ["", f"**{len(rows)} job kinds, {sum(r['ran'] for r in rows)} ran, {len(flagged)} flagged.**", ""]
    if placeholders:
        lines += ["## Placeholder data (pilot only: random pixels in the distribution format)", ""]
        lines += ["| what | format | path | checksums |", "|---|---|---|---|"]
        lines += [f"| {p['name']} | {p['format']} | {p['path']} | {p['checksums']} |" for p in placeholders]
        lines.append("")
    lines += ["## Job kinds", ""]
    lines.append("| " + " | ".join(h for _, h in _COLUMNS) + " |")
    lines.append("|" + "---|" * len(_COLUMNS))
    for r in rows:
        lines.append("| " + " | ".join(_cell(r.get(k)).replace("|", "/") for k, _ in _COLUMNS) + " |")
    lines.append("")
    return "\n".join(lines)


# ---- reading the pilot's own files -----------------------------------------------------------------------


def merge_configs(files: list[str]) -> dict:
    """The config files overlaid in order, key by key (as Snakemake's ``--configfile``)."""
    import yaml

    def merge(a: dict, b: dict) -> None:
        for k, v in (b or {}).items():
            if isinstance(v, dict) and isinstance(a.get(k), dict):
                merge(a[k], v)
            else:
                a[k] = v

    cfg: dict = {}
    for f in files:
        with open(f) as fh:
            merge(cfg, yaml.safe_load(fh))
    return cfg


def read_benchmark(path: str) -> dict:
    """``wall_s`` and ``max_rss_mb`` of a Snakemake benchmark file (its last line: the last repeat)."""
    import csv
    from pathlib import Path

    if not path or not Path(path).is_file():
        return {}
    with open(path) as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows:
        return {}

    def num(v):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None

    return {"wall_s": num(rows[-1].get("s")), "max_rss_mb": num(rows[-1].get("max_rss"))}


def collect_job(rule: str, key: str, record: str, bench: str, run: dict | None, results: str) -> dict:
    """One pilot job for :func:`report_rows`: its kind, whether its output exists, its benchmark and the
    timings its record holds (``pilot_steps``, ``pilot_train_s``, ``pilot_eval_s``, ``pilot_eval_images``)."""
    import json as _json
    from pathlib import Path

    job = {"rule": rule, "key": key, "kind": job_kind(rule, run, key), "ran": Path(record).is_file()}
    job.update(read_benchmark(bench))
    if job["ran"] and record.endswith(".json") and not record.endswith("manifest.json"):
        with open(record) as fh:
            metrics = _json.load(fh).get("metrics", {})
        for src, dst in (("pilot_steps", "steps"), ("pilot_train_s", "train_s"), ("pilot_eval_s", "eval_s"),
                         ("pilot_eval_images", "eval_images")):
            if src in metrics:
                job[dst] = metrics[src]
    data = (run or {}).get("dataset") or (key if rule == "prepare_data" else None)
    manifest = Path(results) / "data" / str(data) / "manifest.json"
    if data and manifest.is_file():
        with open(manifest) as fh:
            shapes = _json.load(fh).get("shapes", {})
        job["data_bytes"] = sum(math.prod(shape) for shape in shapes.values())
    return job
