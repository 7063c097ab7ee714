# The run's summary: the reproduction scorecard (the paper's claims, checked on this run's tables) and
# one Markdown page with every table and figure. `snakemake --report results/report.html` builds the
# HTML report from the report() outputs.


rule report_summary:
    input:
        tables=[f"{RESULTS}/tables/{t}.md" for t in TABLES],
        csvs=[f"{RESULTS}/tables/{t}.csv" for t in TABLES],
        figures=[f"{RESULTS}/figures/{f}.png" for f in FIGURES],
    output:
        scorecard_csv=report(
            out("tables/scorecard.csv"),
            caption="../report/scorecard.rst",
            category="Reproduction scorecard",
        ),
        scorecard_md=report(
            out("tables/scorecard.md"),
            caption="../report/scorecard.rst",
            category="Reproduction scorecard",
        ),
        summary=out("report.md"),
    log:
        out("logs/report_summary.log"),
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        title=(
            "Manifold Mixup reproduction: a PILOT of this configuration (numbers mean nothing)"
            if PILOT_ON
            else "Manifold Mixup reproduction: results of this run"
        ),
    script:
        "../workflow_scripts/report_summary.py"
