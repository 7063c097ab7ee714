"""Rule report_summary: the scorecard (the paper's claims on this run's tables) and one Markdown page
with every table of the run, the scorecard first, and links to the figures."""

from pathlib import Path

from mmcore.report import summary_page, write_table
from mmcore.scorecard import scorecard
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]) as log:
        card = scorecard({Path(p).stem: p for p in smk.input.csvs})
        write_table(
            card,
            smk.output.scorecard_csv,
            smk.output.scorecard_md,
            title="Reproduction scorecard",
            notes=[
                "Each claim compares two rows of one table in the direction the paper states; 'measured' and "
                "'paper' give the two values (first the claim's subject).",
                "The scale column says where each was measured: at reduced (default, stand-in) scale a claim "
                "that does not hold says little about the paper; at paper scale it is a failed reproduction.",
            ],
        )
        log.info("%d of %d claims hold", int((card["holds"] == "yes").sum()), len(card))
        tables = [smk.output.scorecard_md, *smk.input.tables]  # the scorecard first: the run at a glance
        summary_page(smk.output.summary, smk.params.title, tables, smk.input.figures)


main(snakemake)  # noqa: F821
