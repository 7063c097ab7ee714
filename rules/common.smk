# All workflow Python: config validation, the run sheet from the artefact registry, input functions.
import sys

from mmcore.artefacts import ARTEFACTS
from mmcore.config import ConfigError, check_overlays, load_schema, validate_config
from mmcore.data.datasets import DATASETS
from mmcore.runsheet import all_runs, artefact_cells, made_artefacts, slim
from mmcore.scale import scale_of

try:
    check_overlays(
        workflow.overwrite_configfiles,
        workflow.config_settings.overwrite_config,
        config,
    )
    config.update(
        validate_config(
            config, load_schema(workflow.source_path("../schemas/config.schema.yaml"))
        )
    )
    CELLS = artefact_cells(config)  # artefact name -> its cells, each with its run rows
except ConfigError as err:
    # One sentence, no traceback: a config mistake is the user's to fix, not a crash.
    sys.exit(f"Error in the configuration: {err}")

# Every output of this configuration lives under its own folder (config.results: results/ for the
# default, results-smoke/ and results-paper/ for the shipped overlays), so that no run of one
# configuration rewrites another's tables.
RESULTS = config["results"].rstrip("/")


def out(path):
    """``path`` under this configuration's results folder (wildcards stay as they are)."""
    return f"{RESULTS}/{path}"


# Run id -> run-sheet row: artefacts that need the same model share it.
RUNS = all_runs(CELLS)
PARAM_CELLS = {name: slim(cells) for name, cells in CELLS.items()}
# The registry's tables and figures this config makes.
MADE = made_artefacts(config, CELLS)
TABLES = [n for n in MADE if ARTEFACTS[n].kind == "table"]
FIGURES = [n for n in MADE if ARTEFACTS[n].kind == "figure"]


wildcard_constraints:
    run_id="[A-Za-z0-9_.=+-]+",


def run_row(wildcards):
    """The run-sheet row of a run id, as a plain dict (every setting that shaped the model)."""
    return RUNS[wildcards.run_id]


def run_data_manifest(wildcards):
    return f"{RESULTS}/data/{RUNS[wildcards.run_id]['dataset']}/manifest.json"


def run_data_dir(wildcards):
    return f"{RESULTS}/data/{RUNS[wildcards.run_id]['dataset']}"


def checkpoint(wildcards):
    """Resume checkpoints live beside the outputs, never as one: a killed job resumes from it."""
    return f"{RESULTS}/checkpoints/{wildcards.run_id}/last.pt"


def gan_feature_model(wildcards):
    """The classifier run's model.pt whose features score a GAN run (none with Inception features; a
    pilot's placeholder Inception weights, rules/pilot.smk, when the configured file is missing).
    """
    clf = RUNS[wildcards.run_id]["feature_run"]
    if clf:
        return [f"{RESULTS}/runs/{clf}/model.pt"]
    return [inception_placeholder()] if INCEPTION_PLACEHOLDER else []


def gan_weights_path(wildcards):
    """The feature extractor's weights: the classifier's model.pt, or the configured Inception file (a
    pilot's placeholder when that is missing)."""
    clf = RUNS[wildcards.run_id]["feature_run"]
    if clf:
        return f"{RESULTS}/runs/{clf}/model.pt"
    if INCEPTION_PLACEHOLDER:
        return inception_placeholder()
    return config["gan"]["feature_extractor_weights_path"]


def artefact_inputs(name):
    """What an artefact's writer reads: its runs' files (once each) or another artefact's table."""
    art = ARTEFACTS[name]
    if art.source is not None:
        return [f"{RESULTS}/tables/{art.source}.csv"]
    ids = dict.fromkeys(
        rid for cell in PARAM_CELLS.get(name, []) for rid in cell["run_ids"]
    )
    return [f"{RESULTS}/runs/{rid}/{art.reads}" for rid in ids]


def artefact_params(name):
    """Params of an artefact's job: its cells, scale label and writer options."""
    art = ARTEFACTS[name]
    return {
        "cells": PARAM_CELLS.get(name, []),
        "scale": scale_of(art, config),
        "options": art.options_of(config),
    }


def get_final_output():
    outputs = [out(path) for name in MADE for path in ARTEFACTS[name].outputs]
    pilot = (
        [out("pilot_report.md"), out("pilot_report.json")]
        if config["pilot"]["enabled"]
        else []
    )
    return (
        outputs
        + [
            out("tables/scorecard.csv"),
            out("tables/scorecard.md"),
            out("report.md"),
        ]
        + pilot
    )


# ---- the pilot (config.pilot, rules/pilot.smk, docs/pilot.md): placeholders, and the jobs its report lists ----
from pathlib import Path

from mmcore.artefacts import ARTEFACTS as _ARTS
from mmcore.data.sources import find_source

INCEPTION_WEIGHTS_FILE = (
    "weights-inception-2015-12-05-6726825d.pth"  # mmcore.gan.metrics (imports torch)
)
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
PLACEHOLDER_DATASETS = (
    [d for d in DATASETS if _placeholder_wanted(d)] if PILOT_ON else []
)
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
    return (
        config["data"]["verify_checksums"]
        and wildcards.dataset not in PLACEHOLDER_DATASETS
    )


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
                (
                    rname,
                    rid,
                    out(f"runs/{rid}/{name}"),
                    out(f"benchmarks/{rname}/{rid}.tsv"),
                )
            )
    jobs += [("table", t, out(f"tables/{t}.csv"), "") for t in TABLES]
    jobs += [("figure", f, out(f"figures/{f}.png"), "") for f in FIGURES]
    jobs.append(("report_summary", "", out("report.md"), ""))
    return jobs


def _rule_resources():
    """Each rule's own mem_mb and runtime (the Slurm profile's set-resources override them)."""
    own = {}
    for r in workflow.rules:
        res = {
            k: getattr(v, "raw", v) for k, v in r.resources.items()
        }  # Resource("mem_mb", 4000)
        own[r.name] = {
            k: v
            for k, v in res.items()
            if k in ("mem_mb", "runtime") and isinstance(v, (int, float))
        }
    return own
