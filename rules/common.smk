# All workflow Python: config validation, the run sheet, input functions.
import sys

from mmcore.config import ConfigError, load_schema, validate_config
from mmcore.data.datasets import DATASETS
from mmcore.report import representations_scale, supervised_scale, synthetic_scale
from mmcore.runsheet import (
    ROBUSTNESS_EVALUATIONS,
    SUPERVISED_TABLES,
    SVD_FIGURES,
    all_runs,
    table_cells,
)

try:
    config.update(
        validate_config(
            config, load_schema(workflow.source_path("../schemas/config.schema.yaml"))
        )
    )
except ConfigError as err:
    # One sentence, no traceback: a config mistake is the user's to fix, not a crash.
    sys.exit(f"Error in the configuration: {err}")

try:
    RUNS = all_runs(config)
    TABLE_CELLS = table_cells(config)  # supervised table / figure name -> its cells
except ConfigError as err:
    sys.exit(f"Error in the configuration: {err}")

SYNTHETIC_RUNS = [r for r in RUNS.values() if r["experiment"] == "synthetic"]
REP_RUNS = [r for r in RUNS.values() if r["experiment"] == "representations"]
FIGURE5_RUNS = [r for r in REP_RUNS if r["setting"].startswith("bottleneck2d")]
SVD_RUNS = [r for r in REP_RUNS if not r["setting"].startswith("bottleneck2d")]
SVD_SETTINGS = config["representations"]["svd"]["settings"]
SUP_TABLES = [t for t in SUPERVISED_TABLES if t in TABLE_CELLS]
CURVE_FIGURES = [
    f for f in config["supervised"]["loss_curves"]["figures"] if f in TABLE_CELLS
]
ROBUSTNESS_TABLES = [t for t in ROBUSTNESS_EVALUATIONS if t in TABLE_CELLS]


wildcard_constraints:
    run_id="[A-Za-z0-9_.=-]+",


def run_row(wildcards):
    """The run-sheet row of a run id, as a plain dict (every setting that shaped the model)."""
    return RUNS[wildcards.run_id]


def run_files(runs, name):
    return [f"results/runs/{r['run_id']}/{name}" for r in runs]


def cell_files(cells, name):
    """Files of every run behind supervised cells, once each (cells of a stand-in share runs)."""
    ids = dict.fromkeys(rid for cell in cells for rid in cell["run_ids"])
    return [f"results/runs/{rid}/{name}" for rid in ids]


def run_data_manifest(wildcards):
    return f"results/data/{RUNS[wildcards.run_id]['dataset']}/manifest.json"


def run_data_dir(wildcards):
    return f"results/data/{RUNS[wildcards.run_id]['dataset']}"


def summary_tables():
    tables = ["results/tables/table8.md"]
    if FIGURE5_RUNS:
        tables.append("results/tables/bottleneck2d.md")
    if SVD_RUNS:
        tables.append("results/tables/svd_flattening.md")
    tables += [f"results/tables/{t}.md" for t in SUP_TABLES + ROBUSTNESS_TABLES]
    tables += [f"results/tables/{f}_loss.md" for f in CURVE_FIGURES]
    return tables


def scorecard_inputs():
    """The CSV tables the scorecard reads (all of this run's tables)."""
    return [t.replace(".md", ".csv") for t in summary_tables()]


def summary_figures():
    figures = ["results/figures/figure4.png"]
    if FIGURE5_RUNS:
        figures.append("results/figures/figure5.png")
    if SVD_RUNS:
        figures += [f"results/figures/figure{SVD_FIGURES[s]}.png" for s in SVD_SETTINGS]
        figures.append("results/figures/figure12.png")
    figures += [f"results/figures/{f}.png" for f in CURVE_FIGURES]
    if "table9" in ROBUSTNESS_TABLES:
        figures.append("results/figures/table9_deformations.png")
    return figures


def get_final_output():
    csvs = [t.replace(".md", ".csv") for t in summary_tables()]
    scorecard = ["results/tables/scorecard.md", "results/tables/scorecard.csv"]
    return (
        summary_tables() + csvs + summary_figures() + scorecard + ["results/report.md"]
    )
