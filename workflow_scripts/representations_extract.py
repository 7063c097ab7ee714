"""Rule representations_extract: test-set bottleneck representations and their SVD figures of merit."""

from mmcore.experiments.representations import extract_run
from mmcore.steps import step


def main(smk):
    with step(smk.log[0], smk.threads):
        extract_run(
            smk.params.run,
            smk.params.data_dir,
            smk.input.model,
            smk.output.representations,
            smk.output.metrics,
            device=smk.params.device,
            center=smk.params.center,
        )


main(snakemake)  # noqa: F821
