"""Rule report_scorecard: each claim of the paper, measured here, with the paper's value and the scale."""

from pathlib import Path

from mmcore.report import write_table
from mmcore.scorecard import scorecard
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]) as log:
        card = scorecard({Path(p).stem: p for p in smk.input.tables})
        write_table(
            card,
            smk.output.csv,
            smk.output.md,
            title="Reproduction scorecard",
            notes=[
                "Each claim compares two rows of one table in the direction the paper states; 'measured' and "
                "'paper' give the two values (first the claim's subject).",
                "The scale column says where each was measured: at reduced (default, stand-in) scale a claim "
                "that does not hold says little about the paper; at paper scale it is a failed reproduction.",
            ],
        )
        log.info("%d of %d claims hold", int((card["holds"] == "yes").sum()), len(card))


main(snakemake)  # noqa: F821
