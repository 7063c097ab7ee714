# Every table and figure of the registry (mmcore/artefacts/): one generic rule per kind. A job reads
# its runs' files (or another table) and calls the artefact's writer; the report category and caption
# come from the registry too.


rule table:
    input:
        lambda wc: artefact_inputs(wc.table),
    output:
        csv=report(
            out("tables/{table}.csv"),
            caption="../report/artefact.rst",
            category=lambda wc: ARTEFACTS[wc.table].section,
            labels=lambda wc: {"table": wc.table, "format": "csv"},
        ),
        md=report(
            out("tables/{table}.md"),
            caption="../report/artefact.rst",
            category=lambda wc: ARTEFACTS[wc.table].section,
            labels=lambda wc: {"table": wc.table, "format": "markdown"},
        ),
    log:
        out("logs/table/{table}.log"),
    wildcard_constraints:
        table="|".join(TABLES) or "no-table",
    # Tables are cheap: each is written as soon as its runs are done (Table 8 within minutes).
    priority: 10
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        artefact=lambda wc: artefact_params(wc.table),
        caption=lambda wc: ARTEFACTS[wc.table].caption,
    script:
        "../workflow_scripts/table.py"


rule figure:
    input:
        lambda wc: artefact_inputs(wc.figure),
    output:
        png=report(
            out("figures/{figure}.png"),
            caption="../report/artefact.rst",
            category=lambda wc: ARTEFACTS[wc.figure].section,
            labels=lambda wc: {"figure": wc.figure},
        ),
    log:
        out("logs/figure/{figure}.log"),
    wildcard_constraints:
        figure="|".join(FIGURES) or "no-figure",
    priority: 10
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        artefact=lambda wc: artefact_params(wc.figure),
        caption=lambda wc: ARTEFACTS[wc.figure].caption,
    script:
        "../workflow_scripts/figure.py"
