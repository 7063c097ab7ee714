# The pilot of a configuration (config.pilot, configs/pilot.yaml, docs/pilot.md): every job of the
# configuration through the real rules, capped at a few steps and images (the caps are in the run rows,
# mmcore.pilot), on placeholder files where the data or the Inception weights are missing, and a report
# of every job kind's step time, peak memory, full-scale projection and Slurm profile check.
from pathlib import Path

from mmcore.artefacts import ARTEFACTS as _ARTS
from mmcore.data.sources import find_source
from mmcore.gan.metrics import INCEPTION_WEIGHTS_FILE
from mmcore.pilot import TRAIN_RULES, robustness_jobs

PILOT = config["pilot"]
PILOT_ON = bool(PILOT["enabled"])


def _placeholder_wanted(name):
    """A pilot dataset with no local or offline copy gets placeholder files."""
    if not (PILOT_ON and PILOT["placeholders"]):
        return False
    return find_source(name, config["data"]["local_dirs"].get(name)) is None


PILOT_DATASETS = sorted({r["dataset"] for r in RUNS.values() if r.get("dataset")})
# Every dataset a pilot may prepare (also one asked for by name) gets a placeholder when it has no copy.
PLACEHOLDER_DATASETS = [d for d in DATASETS if _placeholder_wanted(d)] if PILOT_ON else []
INCEPTION_PLACEHOLDER = (
    PILOT_ON
    and PILOT["placeholders"]
    and any(
        r["experiment"] == "gan" and r["features"] == "inception" for r in RUNS.values()
    )
    and not Path(config["gan"]["feature_extractor_weights_path"] or "-").is_file()
)


def placeholder_dir(dataset):
    return out(f"pilot/placeholders/{dataset}")


def data_local_dir(wildcards):
    """Where prepare_data reads a dataset: its placeholder in a pilot that needs one, else the config's."""
    if wildcards.dataset in PLACEHOLDER_DATASETS:
        return placeholder_dir(wildcards.dataset)
    return config["data"]["local_dirs"].get(wildcards.dataset)


def data_placeholder(wildcards):
    if wildcards.dataset in PLACEHOLDER_DATASETS:
        return [f"{placeholder_dir(wildcards.dataset)}/placeholder.json"]
    return []


def data_verify(wildcards):
    """Checksums are verified as configured, except on a pilot's placeholders (they have none)."""
    return config["data"]["verify_checksums"] and wildcards.dataset not in PLACEHOLDER_DATASETS


# A pilot never downloads: it checks the jobs, not the network.
DATA_DOWNLOAD = config["data"]["download"] and not PILOT_ON


def inception_placeholder():
    return out(f"pilot/placeholders/inception/{INCEPTION_WEIGHTS_FILE}")


def _pilot_jobs():
    """Every job of the pilot whose kind the report lists: (rule, run id or wildcard, record file,
    benchmark file or '')."""
    jobs = [
        (
            "prepare_data",
            d,
            out(f"data/{d}/manifest.json"),
            out(f"benchmarks/prepare_data/{d}.tsv"),
        )
        for d in PILOT_DATASETS
    ]
    for rid, run in RUNS.items():
        rname = TRAIN_RULES[run["experiment"]]
        jobs.append(
            (
                rname,
                rid,
                out(f"runs/{rid}/metrics.json"),
                out(f"benchmarks/{rname}/{rid}.tsv"),
            )
        )
    reads = {name: art.reads for name, art in _ARTS.items() if art.reads}
    for rname, ids in robustness_jobs(CELLS, reads).items():
        name = rname.split("_", 1)[1] + ".json"
        for rid in dict.fromkeys(ids):
            jobs.append(
                (rname, rid, out(f"runs/{rid}/{name}"), out(f"benchmarks/{rname}/{rid}.tsv"))
            )
    jobs += [("table", t, out(f"tables/{t}.csv"), "") for t in TABLES]
    jobs += [("figure", f, out(f"figures/{f}.png"), "") for f in FIGURES]
    jobs.append(("report_summary", "", out("report.md"), ""))
    return jobs


def _rule_resources():
    """Each rule's own mem_mb and runtime (the Slurm profile's set-resources override them)."""
    own = {}
    for r in workflow.rules:
        res = {k: v for k, v in r.resources.items() if k in ("mem_mb", "runtime")}
        own[r.name] = {k: v for k, v in res.items() if isinstance(v, (int, float))}
    return own


rule pilot_placeholder:
    output:
        out("pilot/placeholders/{dataset}/placeholder.json"),
    log:
        out("logs/pilot_placeholder/{dataset}.log"),
    wildcard_constraints:
        dataset="|".join(DATASETS),
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        n_train=lambda wc: 400 if wc.dataset == "tiny_imagenet" else 500,
        n_test=200,
    script:
        "../workflow_scripts/pilot_placeholder.py"


rule pilot_inception_placeholder:
    output:
        out(f"pilot/placeholders/inception/{INCEPTION_WEIGHTS_FILE}"),
    log:
        out("logs/pilot_placeholder/inception.log"),
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        n_train=0,
        n_test=0,
    script:
        "../workflow_scripts/pilot_placeholder.py"


rule pilot_report:
    input:
        records=lambda wc: [j[2] for j in _pilot_jobs()],
        placeholders=[
            f"{placeholder_dir(d)}/placeholder.json"
            for d in PLACEHOLDER_DATASETS
            if d in PILOT_DATASETS
        ]
        + ([inception_placeholder()] if INCEPTION_PLACEHOLDER else []),
    output:
        md=report(
            out("pilot_report.md"),
            caption="../report/pilot.rst",
            category="Pilot",
        ),
        json=out("pilot_report.json"),
    log:
        out("logs/pilot_report.log"),
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        jobs=lambda wc: _pilot_jobs(),
        runs=lambda wc: RUNS,
        results=RESULTS,
        pilot=PILOT,
        rule_resources=lambda wc: _rule_resources(),
        placeholder_datasets=[d for d in PLACEHOLDER_DATASETS if d in PILOT_DATASETS],
        inception=INCEPTION_PLACEHOLDER,
        verify_checksums=config["data"]["verify_checksums"],
    script:
        "../workflow_scripts/pilot_report.py"
