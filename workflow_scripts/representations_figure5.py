"""Rule representations_figure5: Figure 5 and the 2-D cluster tightness table."""

from mmcore.experiments.representations import figure5_outputs
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        figure5_outputs(
            smk.input.metrics,
            smk.input.representations,
            png=smk.output.png,
            csv=smk.output.csv,
            md=smk.output.md,
            scale=smk.params.scale,
            dataset=smk.params.dataset,
        )


main(snakemake)  # noqa: F821
