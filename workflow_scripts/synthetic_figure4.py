"""Rule synthetic_figure4: training, input-mixup and factor-mixup images of the synthetic task."""

from mmcore.figures import figure4
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        figure4(smk.output.png, n=smk.params.n, alpha=smk.params.alpha, truncate=smk.params.truncate)


main(snakemake)  # noqa: F821
