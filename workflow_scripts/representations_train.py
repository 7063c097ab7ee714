"""Rule representations_train: train one bottleneck MLP from its run-sheet row."""

from mmcore.experiments.representations import train_run
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        train_run(
            smk.params.run,
            smk.params.data_dir,
            smk.output.model,
            smk.output.history,
            device=smk.params.device,
            checkpoint_path=smk.params.checkpoint,
            checkpoint_every=smk.params.checkpoint_every,
        )


main(snakemake)  # noqa: F821
