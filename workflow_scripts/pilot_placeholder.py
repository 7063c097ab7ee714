"""Rules pilot_placeholder / pilot_inception_placeholder: a pilot's placeholder files (random contents in
the distribution format) for a dataset without a local copy, or for missing Inception weights."""

from pathlib import Path

from mmcore.data.placeholders import write_inception_weights, write_placeholder
from mmcore.io import write_json
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]) as log:
        if smk.rule == "pilot_inception_placeholder":
            info = write_inception_weights(smk.output[0])
        else:
            folder = Path(smk.output[0]).parent
            info = write_placeholder(
                smk.wildcards.dataset, folder, n_train=smk.params.n_train, n_test=smk.params.n_test
            )
            write_json(smk.output[0], info)
        log.info("placeholder %s (%s) written to %s", info["name"], info["format"], info["path"])


main(snakemake)  # noqa: F821
