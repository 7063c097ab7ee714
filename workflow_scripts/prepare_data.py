"""Rule prepare_data: prepare one dataset into results/data/<name>/ (tensors + manifest)."""

from mmcore.data.datasets import prepare
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]) as log:
        manifest = prepare(
            smk.wildcards.dataset,
            smk.params.out_dir,
            local_dir=smk.params.local_dir,
            download=smk.params.download,
            verify_checksums=smk.params.verify,
        )
        log.info("prepared %s from %s: %s", manifest["dataset"], manifest["source"], manifest["shapes"])


main(snakemake)  # noqa: F821
