"""Rule robustness_pgd_table: the PGD sanity-check table from the PGD evaluations."""

from mmcore.experiments.robustness import pgd_outputs
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        pgd_outputs(
            smk.params.cells,
            list(smk.input.evaluations),
            csv=smk.output.csv,
            md=smk.output.md,
            scale=smk.params.scale,
            iterations=smk.params.iterations,
            step_size=smk.params.step_size,
            epsilon=smk.params.epsilon,
        )


main(snakemake)  # noqa: F821
