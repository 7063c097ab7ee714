"""Rule representations_train: train one bottleneck MLP, then extract its test-set representations."""

from mmcore.experiments.representations import train_run
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        train_run(
            smk.params.run,
            smk.params.data_dir,
            smk.output.model,
            smk.output.history,
            smk.output.representations,
            smk.output.metrics,
            device=smk.params.device,
            center=smk.params.center,
            checkpoint_path=smk.params.checkpoint,
            checkpoint_every=smk.params.checkpoint_every_steps,
            precision=smk.params.precision,
        )


main(snakemake)  # noqa: F821
