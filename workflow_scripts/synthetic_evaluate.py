"""Rule synthetic_evaluate: test accuracy and NLL of one trained run on its fixed test set."""

from mmcore.experiments.synthetic import evaluate_run
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        evaluate_run(
            smk.params.run,
            smk.input.model,
            smk.output.metrics,
            test_size=smk.params.test_size,
            device=smk.params.device,
        )


main(snakemake)  # noqa: F821
