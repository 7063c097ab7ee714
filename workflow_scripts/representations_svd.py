"""Rule representations_svd: the flattening table and Figures 9-12 from every SVD run's metrics."""

from mmcore.experiments.representations import svd_outputs
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        svd_outputs(
            smk.input.metrics,
            csv=smk.output.csv,
            md=smk.output.md,
            figures=dict(zip(smk.params.figure_settings, smk.output.figures)),
            overall_figure=smk.output.overall,
            scale=smk.params.scale,
            dataset=smk.params.dataset,
        )


main(snakemake)  # noqa: F821
