"""Rule synthetic_train: train one run of the synthetic experiment and score it on its test set."""

from mmcore.experiments.synthetic import train_run
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        train_run(
            smk.params.run,
            smk.output.model,
            smk.output.history,
            smk.output.metrics,
            test_size=smk.params.test_size,
            device=smk.params.device,
            checkpoint_path=smk.params.checkpoint,
            checkpoint_every=smk.params.checkpoint_every_steps,
            precision=smk.params.precision,
        )


main(snakemake)  # noqa: F821
