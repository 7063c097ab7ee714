"""Rule robustness_table7: Table 7 from the FGSM evaluations."""

from mmcore.experiments.robustness import table7_outputs
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        table7_outputs(
            smk.params.cells, list(smk.input.evaluations), csv=smk.output.csv, md=smk.output.md, scale=smk.params.scale
        )


main(snakemake)  # noqa: F821
