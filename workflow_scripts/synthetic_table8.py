"""Rule synthetic_table8: aggregate the synthetic runs over seeds into Table 8 (csv + md)."""

from mmcore.io import read_json
from mmcore.report import table8, write_table
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]):
        table = table8([read_json(p, require=("run", "metrics")) for p in smk.input.metrics], smk.params.scale)
        write_table(
            table,
            smk.output.csv,
            smk.output.md,
            title="Table 8: synthetic factor tasks (appendix A)",
            notes=[
                f"Scale: {smk.params.scale}. Seeds: {list(smk.params.seeds)}.",
                "test_acc in %, test_nll in nats; mean and sample std over seeds; "
                "paper_* columns are the paper's single-run values.",
            ],
        )


main(snakemake)  # noqa: F821
