"""Rule report_summary: the scorecard (the paper's claims on this run's tables) and one Markdown page
with every table of the run, the scorecard first, and links to the figures."""

from pathlib import Path

from mmcore.report import summary_page, write_table
from mmcore.scorecard import counts, distinct, headline, scorecard
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
                headline(card),
                "Each claim compares two rows of one table ('measured': the claim's subject first). design: "
                "paired where both rows have per-seed values on at least 2 common seeds (runs of one seed share "
                "their initial weights, training subset and batch order): the mean of the per-seed differences "
                "and its standard error sd(d)/sqrt(k); unpaired otherwise: the difference of the means and "
                "sqrt(sd_a^2/n_a + sd_b^2/n_b). detectable: 2 se, the smallest difference this run tells from "
                "noise.",
                "Directional claims: difference in the paper's direction (positive: as the paper); holds: "
                "difference > 2 se; reversed: difference < -2 se; inconclusive otherwise, and with fewer than 2 "
                "seeds (n). Unchanged claims (the paper says a quantity does not change): difference is the "
                "relative change (a - b)/b; unchanged when its 2-se interval lies within the margin the claim "
                "declares (+-10 % for appendix G's overall singular values), changed when it lies wholly "
                "outside, inconclusive otherwise. The counts put unchanged with holds (the paper's finding) and "
                "changed with reversed.",
                "The scale column says where each was measured: at reduced (default, stand-in) scale a verdict "
                "says little about the paper; at paper scale it is a reproduction's verdict.",
            ],
        )
        log.info("%d claims, %d distinct comparisons: %s", len(card), len(distinct(card)), counts(card))
        tables = [smk.output.scorecard_md, *smk.input.tables]  # the scorecard first: the run at a glance
        summary_page(smk.output.summary, smk.params.title, tables, smk.input.figures)


main(snakemake)  # noqa: F821
