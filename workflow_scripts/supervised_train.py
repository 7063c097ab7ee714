"""Rule supervised_train: train one PreActResNet / WRN run, evaluating the test set every epoch."""

from mmcore.experiments.supervised import train_run
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        train_run(
            smk.params.run,
            smk.params.data_dir,
            smk.output.model,
            smk.output.history,
            smk.output.metrics,
            device=smk.params.device,
            checkpoint_path=smk.params.checkpoint,
            checkpoint_every=smk.params.checkpoint_every_epochs,
            channels_last=smk.params.channels_last,
            precision=smk.params.precision,
        )


main(snakemake)  # noqa: F821
