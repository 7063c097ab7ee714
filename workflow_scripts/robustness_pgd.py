"""Rule robustness_pgd: one trained run's accuracy after (unbounded) PGD (appendix D)."""

from mmcore.experiments.robustness import evaluate_pgd
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        evaluate_pgd(
            smk.params.run,
            smk.params.data_dir,
            smk.input.model,
            smk.output[0],
            iterations=smk.params.iterations,
            step_size=smk.params.step_size,
            epsilon=smk.params.epsilon,
            test_size=smk.params.test_size,
            device=smk.params.device,
            trained=smk.input.trained,
        )


main(snakemake)  # noqa: F821
