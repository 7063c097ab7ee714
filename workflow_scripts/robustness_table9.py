"""Rule robustness_table9: Table 9 (and its figure) from the deformation evaluations."""

from mmcore.experiments.robustness import table9_outputs
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        table9_outputs(
            smk.params.cells,
            list(smk.input.evaluations),
            csv=smk.output.csv,
            md=smk.output.md,
            png=smk.output.png,
            scale=smk.params.scale,
            interpolation=smk.params.interpolation,
        )


main(snakemake)  # noqa: F821
