"""Rule report_summary: one Markdown page with every table of the run and links to the figures."""

from mmcore.report import summary_page
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        summary_page(smk.output[0], smk.params.title, smk.input.tables, smk.input.figures)


main(snakemake)  # noqa: F821
