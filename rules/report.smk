# The run's summary: every table with its scale label, and the figures, in one Markdown page.
# `snakemake --report results/report.html` builds the HTML report from the report() outputs.


rule report_summary:
    input:
        scorecard="results/tables/scorecard.md",
        tables=summary_tables(),
        figures=summary_figures(),
    output:
        "results/report.md",
    log:
        "logs/report_summary.log",
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        title="Manifold Mixup reproduction: results of this run",
    script:
        "../workflow_scripts/report_summary.py"


rule report_scorecard:
    input:
        tables=scorecard_inputs(),
    output:
        csv=report(
            "results/tables/scorecard.csv",
            caption="../report/scorecard.rst",
            category="Reproduction scorecard",
        ),
        md=report(
            "results/tables/scorecard.md",
            caption="../report/scorecard.rst",
            category="Reproduction scorecard",
        ),
    log:
        "logs/report_scorecard.log",
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../workflow_scripts/report_scorecard.py"
