# Appendix A: the synthetic factor experiment (Table 8, Figure 4).


rule synthetic_train:
    output:
        model="results/runs/{run_id}/model.pt",
        history="results/runs/{run_id}/history.csv",
    log:
        "logs/synthetic_train/{run_id}.log",
    benchmark:
        "benchmarks/results/synthetic_train/{run_id}.tsv"
    wildcard_constraints:
        run_id="syn-[^/]+",
    # The quickest experiment goes first: Table 8 and Figure 4 appear within minutes.
    priority: 10
    conda:
        "../envs/mmcore.yaml"
    threads: config["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        run=run_row,
        device=config["device"],
        checkpoint=lambda wc: f"results/checkpoints/{wc.run_id}/last.pt",
        checkpoint_every=config["synthetic"]["checkpoint_every"],
    script:
        "../workflow_scripts/synthetic_train.py"


rule synthetic_evaluate:
    input:
        model=rules.synthetic_train.output.model,
    output:
        metrics="results/runs/{run_id}/metrics.json",
    log:
        "logs/synthetic_evaluate/{run_id}.log",
    benchmark:
        "benchmarks/results/synthetic_evaluate/{run_id}.tsv"
    wildcard_constraints:
        run_id="syn-[^/]+",
    priority: 10
    conda:
        "../envs/mmcore.yaml"
    threads: config["threads"]
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        run=run_row,
        device=config["device"],
        test_size=config["synthetic"]["test_size"],
    script:
        "../workflow_scripts/synthetic_evaluate.py"


rule synthetic_table8:
    input:
        metrics=run_files(SYNTHETIC_RUNS, "metrics.json"),
    output:
        csv=report(
            "results/tables/table8.csv",
            caption="../report/table8.rst",
            category="Appendix A: synthetic factors",
            labels={"table": "Table 8 (csv)"},
        ),
        md=report(
            "results/tables/table8.md",
            caption="../report/table8.rst",
            category="Appendix A: synthetic factors",
            labels={"table": "Table 8"},
        ),
    log:
        "logs/synthetic_table8.log",
    priority: 10
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        scale=synthetic_scale(config["synthetic"]),
        seeds=config["synthetic"]["seeds"],
    script:
        "../workflow_scripts/synthetic_table8.py"


rule synthetic_figure4:
    output:
        png=report(
            "results/figures/figure4.png",
            caption="../report/figure4.rst",
            category="Appendix A: synthetic factors",
            labels={"figure": "Figure 4"},
        ),
    log:
        "logs/synthetic_figure4.log",
    priority: 10
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        n=config["synthetic"]["figure4_examples"],
        alpha=config["synthetic"]["alpha"],
        truncate=config["synthetic"]["factor_truncate"],
    script:
        "../workflow_scripts/synthetic_figure4.py"
