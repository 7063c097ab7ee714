# The run's summary: every table with its scale label, and the figures, in one Markdown page.
# `snakemake --report results/report.html` builds the HTML report from the report() outputs.


rule report_summary:
    input:
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
