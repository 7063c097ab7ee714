# Section 5.1 and appendix C: supervised runs (PreActResNets, WRN), Tables 1-3, 5, 6, the alpha grid,
# and the training-loss curves of Figures 6 and 7. Runs are shared between tables by run id.


rule supervised_train:
    input:
        data=run_data_manifest,
    output:
        model="results/runs/{run_id}/model.pt",
        history="results/runs/{run_id}/history.csv",
        metrics="results/runs/{run_id}/metrics.json",
    log:
        "logs/supervised_train/{run_id}.log",
    benchmark:
        "benchmarks/results/supervised_train/{run_id}.tsv"
    wildcard_constraints:
        run_id="sup-[^/]+",
    conda:
        "../envs/mmcore.yaml"
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        run=run_row,
        data_dir=run_data_dir,
        device=config["device"],
        checkpoint=lambda wc: f"results/checkpoints/{wc.run_id}/last.pt",
        checkpoint_every=config["supervised"]["checkpoint_every"],
        channels_last=config["supervised"]["channels_last"],
        amp=config["supervised"]["amp"],
    script:
        "../workflow_scripts/supervised_train.py"


rule supervised_table:
    input:
        metrics=lambda wc: cell_files(TABLE_CELLS[wc.table], "metrics.json"),
    output:
        csv=report(
            "results/tables/{table}.csv",
            caption="../report/supervised_table.rst",
            category="Section 5.1: supervised",
        ),
        md=report(
            "results/tables/{table}.md",
            caption="../report/supervised_table.rst",
            category="Section 5.1: supervised",
        ),
    log:
        "logs/supervised_table/{table}.log",
    wildcard_constraints:
        table="|".join(SUPERVISED_TABLES),
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cells=lambda wc: TABLE_CELLS[wc.table],
        scale=lambda wc: supervised_scale(config["supervised"], wc.table),
    script:
        "../workflow_scripts/supervised_table.py"


rule supervised_curves:
    input:
        histories=lambda wc: cell_files(TABLE_CELLS[wc.figure], "history.csv"),
    output:
        png=report(
            "results/figures/{figure}.png",
            caption="../report/loss_curves.rst",
            category="Section 5.1: supervised",
        ),
        csv=report(
            "results/tables/{figure}_loss.csv",
            caption="../report/loss_curves.rst",
            category="Section 5.1: supervised",
        ),
        md=report(
            "results/tables/{figure}_loss.md",
            caption="../report/loss_curves.rst",
            category="Section 5.1: supervised",
        ),
    log:
        "logs/supervised_curves/{figure}.log",
    wildcard_constraints:
        figure="|".join(CURVE_FIGURES) or "figure6",
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cells=lambda wc: TABLE_CELLS[wc.figure],
        scale=lambda wc: supervised_scale(config["supervised"], wc.figure),
    script:
        "../workflow_scripts/supervised_curves.py"
