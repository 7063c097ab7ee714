"""Rule supervised_curves: Figure 6 or 7, training loss per epoch for each mixing set."""

from pathlib import Path

from mmcore.experiments.supervised import curves_outputs
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        histories = {Path(p).parent.name: p for p in smk.input.histories}
        curves_outputs(
            smk.wildcards.figure,
            smk.params.cells,
            histories,
            png=smk.output.png,
            csv=smk.output.csv,
            md=smk.output.md,
            scale=smk.params.scale,
        )


main(snakemake)  # noqa: F821
