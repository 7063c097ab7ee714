"""The pilot report's job kinds (:mod:`mmcore.pilot`): the kind of a run and of a job, and what each kind
stands for at full scale (jobs, optimisation steps, evaluated images, data in memory). Light (no torch)."""

from __future__ import annotations

import math

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


def full_scale_kinds(config: dict, runs: dict[str, dict], robustness_jobs: dict[str, list[str]]) -> dict:
    """Per job kind of the full-scale run sheet (``runs``: :func:`mmcore.runsheet.all_runs`): the number of
    jobs, optimisation steps and evaluated images, and the largest dataset in memory (bytes).
    ``robustness_jobs``: rule -> the run ids it evaluates (:func:`robustness_jobs` of the cells)."""
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


