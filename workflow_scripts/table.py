"""Rule table: one registered table (mmcore.artefacts) from its runs' files, written as csv + md."""

from mmcore.artefacts import ARTEFACTS, writer_of
from mmcore.steps import step
from mmcore.tables import files_of


def main(smk):
    with step(smk.log[0]) as log:
        art = ARTEFACTS[smk.wildcards.table]
        p = smk.params.artefact
        df = writer_of(art)(art, p["cells"], files_of(art, smk.input), p["scale"], p["options"])

        from mmcore.report import write_table

        notes = [f"Scale: {p['scale']}."] + df.attrs.get("notes", [])
        notes += [n for n in (art.fill(n, p["options"]) for n in art.notes) if n]
        title = art.fill(art.title, p["options"])
        write_table(df[list(art.columns)], smk.output.csv, smk.output.md, title, notes)
        log.info("%s: %d rows from %d run files", art.name, len(df), len(smk.input))


main(snakemake)  # noqa: F821
