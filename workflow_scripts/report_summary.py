"""Rule report_summary: one Markdown page with every table of the run and links to the figures."""

from mmcore.report import summary_page
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        tables = [smk.input.scorecard, *smk.input.tables]  # the scorecard first: the run at a glance
        summary_page(smk.output[0], smk.params.title, tables, smk.input.figures)


main(snakemake)  # noqa: F821
