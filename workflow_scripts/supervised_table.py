"""Rule supervised_table: one of Tables 1, 2, 3, 5, 6 or the alpha grid, from its runs' metrics."""

from mmcore.experiments.supervised import table_outputs
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        table_outputs(
            smk.wildcards.table,
            smk.params.cells,
            list(smk.input.metrics),
            csv=smk.output.csv,
            md=smk.output.md,
            scale=smk.params.scale,
        )


main(snakemake)  # noqa: F821
