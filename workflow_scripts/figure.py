"""Rule figure: one registered figure (mmcore.artefacts) from its runs' files or from a table."""

from mmcore.artefacts import ARTEFACTS, writer_of
from mmcore.steps import step
from mmcore.tables import files_of


def main(smk):
    with step(smk.log[0]) as log:
        art = ARTEFACTS[smk.wildcards.figure]
        p = smk.params.artefact
        writer_of(art)(art, p["cells"], files_of(art, smk.input), p["scale"], p["options"], smk.output.png)
        log.info("%s: drawn from %d files", art.name, len(smk.input))


main(snakemake)  # noqa: F821
