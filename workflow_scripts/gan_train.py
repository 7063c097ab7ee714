"""Rule gan_train: train one GAN run (appendix E), sample it and score the samples (IS, FID, KID)."""

from mmcore.experiments.gan import train_run
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        train_run(
            smk.params.run,
            smk.params.data_dir,
            smk.output.model,
            smk.output.history,
            smk.output.metrics,
            smk.output.samples,
            weights_path=smk.params.weights_path,
            allow_download=smk.params.allow_download,
            device=smk.params.device,
            checkpoint_path=smk.params.checkpoint,
            checkpoint_every=smk.params.checkpoint_every_steps,
            precision=smk.params.precision,
            grid=smk.params.grid,
        )


main(snakemake)  # noqa: F821
