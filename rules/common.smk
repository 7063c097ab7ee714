# All workflow Python: config validation, the run sheet, input functions.
import sys

from mmcore.config import ConfigError, load_schema, validate_config
from mmcore.data.datasets import DATASETS
from mmcore.report import synthetic_scale
from mmcore.runsheet import all_runs

try:
    config.update(
        validate_config(
            config, load_schema(workflow.source_path("../schemas/config.schema.yaml"))
        )
    )
except ConfigError as err:
    # One sentence, no traceback: a config mistake is the user's to fix, not a crash.
    sys.exit(f"Error in the configuration: {err}")

RUNS = all_runs(config)
SYNTHETIC_RUNS = [r for r in RUNS.values() if r["experiment"] == "synthetic"]


wildcard_constraints:
    run_id="[A-Za-z0-9_.=-]+",


def run_row(wildcards):
    """The run-sheet row of a run id, as a plain dict (every setting that shaped the model)."""
    return RUNS[wildcards.run_id]


def synthetic_metrics():
    return [f"results/runs/{r['run_id']}/metrics.json" for r in SYNTHETIC_RUNS]


def get_final_output():
    return [
        "results/tables/table8.csv",
        "results/tables/table8.md",
        "results/figures/figure4.png",
        "results/report.md",
    ]
