# The run's summary: the reproduction scorecard (the paper's claims, checked on this run's tables) and
# one Markdown page with every table and figure. `snakemake --report results/report.html` builds the
# HTML report from the report() outputs.


rule report_summary:
    input:
        tables=[f"results/tables/{t}.md" for t in TABLES],
        csvs=[f"results/tables/{t}.csv" for t in TABLES],
        figures=[f"results/figures/{f}.png" for f in FIGURES],
    output:
        scorecard_csv=report(
            "results/tables/scorecard.csv",
            caption="../report/scorecard.rst",
            category="Reproduction scorecard",
        ),
        scorecard_md=report(
            "results/tables/scorecard.md",
            caption="../report/scorecard.rst",
            category="Reproduction scorecard",
        ),
        summary="results/report.md",
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
