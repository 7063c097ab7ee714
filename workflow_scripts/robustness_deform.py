"""Rule robustness_deform: one trained run's accuracy on every deformed test set (Table 9)."""

from mmcore.experiments.robustness import evaluate_deformations
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        evaluate_deformations(
            smk.params.run,
            smk.params.data_dir,
            smk.input.model,
            smk.output[0],
            deformations=smk.params.deformations,
            interpolation=smk.params.interpolation,
            device=smk.params.device,
            trained=smk.input.trained,
        )


main(snakemake)  # noqa: F821
