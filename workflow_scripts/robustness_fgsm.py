"""Rule robustness_fgsm: one trained run's accuracy under FGSM at every epsilon (Table 7)."""

from mmcore.experiments.robustness import evaluate_fgsm
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        evaluate_fgsm(
            smk.params.run,
            smk.params.data_dir,
            smk.input.model,
            smk.output[0],
            epsilons=smk.params.epsilons,
            device=smk.params.device,
            trained=smk.input.trained,
        )


main(snakemake)  # noqa: F821
