"""The pilot report (:mod:`mmcore.pilot`): the Slurm profile's limits, one row per job kind with its
projection and profile check, the Markdown, and reading the pilot's benchmark records and metrics."""

from __future__ import annotations

import math

from .kinds import job_kind

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


def on_gpu(profile: dict, rule: str) -> bool:
    """Whether the profile runs ``rule`` with a GPU (``gpu``, ``gres`` or a ``gpu`` partition)."""
    own = (profile.get("set-resources") or {}).get(rule) or {}
    return bool(own.get("gpu") or "gpu" in str(own.get("gres", "")) or own.get("slurm_partition") == "gpu")


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
    x seconds per image) / speedup`` plus the pilot's fixed overhead (wall time not in either), in
    minutes, where ``speedup`` is ``gpu_speedup`` for a rule the profile gives a GPU (:func:`on_gpu`) and 1
    for a rule it runs on CPUs (at this machine's speed); memory: the pilot's peak RSS plus the full-scale data it would hold (the largest dataset,
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
        gpu = on_gpu(profile, rule)
        speedup = gpu_speedup if gpu else 1.0
        row["on"] = "gpu" if gpu else "cpu"
        if f and (s_step is not None or s_img is not None):
            job_s = ((s_step or 0.0) * f["max_steps"] + (s_img or 0.0) * f["eval_images"]) / speedup
            projected_min = (job_s + (overhead or 0.0)) / 60
            row["projected_hours_total"] = round(
                ((s_step or 0.0) * f["steps"] + (s_img or 0.0) * f["eval_images"] * f["jobs"]) / speedup / 3600, 2
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
    ("on", "on"), ("projected_runtime_min", "projected min / job"), ("projected_hours_total", "projected h (all jobs)"),
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
