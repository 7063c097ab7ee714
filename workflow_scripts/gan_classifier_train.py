"""Rule gan_classifier_train: train the classifier whose features score the stand-in GAN runs."""

from mmcore.experiments.gan import train_classifier_run
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        train_classifier_run(
            smk.params.run,
            smk.params.data_dir,
            smk.output.model,
            smk.output.metrics,
            device=smk.params.device,
            precision=smk.params.precision,
        )


main(snakemake)  # noqa: F821
