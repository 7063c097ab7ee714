"""Rule pilot_report: every job kind of the pilot with its step time, peak memory, the full-scale
projection and the Slurm profile check (mmcore.pilot), as Markdown and JSON."""

from pathlib import Path

import yaml

from mmcore.artefacts import ARTEFACTS
from mmcore.config import load_schema, validate_config
from mmcore.io import write_json, write_text
from mmcore.pilot import collect_job, full_scale_kinds, merge_configs, report_markdown, report_rows, robustness_jobs
from mmcore.runsheet import all_runs, artefact_cells
from mmcore.steps import step


def main(smk):
    with step(smk.log[0]) as log:
        p = smk.params
        pilot = p.pilot
        results = str(Path(smk.output.json).parent)
        jobs = [collect_job(rule, key, record, bench, p.runs.get(key), results) for rule, key, record, bench in p.jobs]
        reference = validate_config(merge_configs(pilot["reference"]), load_schema("schemas/config.schema.yaml"))
        cells = artefact_cells(reference)
        reads = {name: art.reads for name, art in ARTEFACTS.items() if art.reads}
        full = full_scale_kinds(reference, all_runs(cells), robustness_jobs(cells, reads))
        with open(pilot["profile"]) as fh:
            profile = yaml.safe_load(fh)
        rows = report_rows(jobs, full, profile, p.rule_resources, float(pilot["gpu_speedup"]))
        placeholders = [
            {"name": d, "format": "placeholder (random pixels)", "path": f"{results}/pilot/placeholders/{d}",
             "checksums": "not verified (placeholder)"}
            for d in p.placeholder_datasets
        ]
        if p.inception:
            placeholders.append({"name": "Inception weights", "format": "random weights of inception-v3-compat",
                                 "path": f"{results}/pilot/placeholders/inception", "checksums": "none"})
        notes = [
            f"A pilot: every job kind of {' + '.join(pilot['reference'])} ran once through the real rules, "
            f"{pilot['epochs']} epoch(s) of at most {pilot['steps']} step(s) per run, {pilot['eval_images']} images "
            f"per evaluation, {pilot['attack_iterations']} PGD iteration(s), on this machine's CPU; its numbers "
            "say whether the jobs run, not what they find.",
            "s / step: the optimisation steps' seconds over their number (GAN: per generator step with its n_dis "
            "discriminator steps); s / eval image: the evaluations' seconds over their images; peak RSS and wall s: "
            "Snakemake's benchmark records (the job's whole process, startup included).",
            f"Projection: ASSUMED ratio of {float(pilot['gpu_speedup']):g} between this machine's seconds per step "
            "and one GPU's (config pilot.gpu_speedup; no GPU was measured) for the rules the profile gives a GPU "
            "(column 'on'); rules it runs on CPUs are projected at this machine's speed (ratio 1). Minutes per "
            "full-scale job = (its steps x s / step + its evaluated images x s / eval image) / ratio + the pilot's "
            "fixed overhead (startup); memory = the pilot's peak RSS + twice the full-scale dataset's bytes minus "
            "the placeholder's (a CPU process: a GPU job holds its model and batches on the GPU instead).",
            f"Profile check against {pilot['profile']} (first attempt: attempt = 1): a flag names the key to raise.",
            "Datasets without a local copy were replaced by placeholder files in their distribution format, read by "
            "the real readers with checksum verification off for the placeholders only "
            f"(data.verify_checksums stays {p.verify_checksums} for provided data); nothing was downloaded.",
        ]
        md = report_markdown(rows, title="Pilot report (PILOT: placeholder data, a few steps)", notes=notes,
                             placeholders=placeholders)
        write_text(smk.output.md, md)
        write_json(smk.output.json, {"gpu_speedup": float(pilot["gpu_speedup"]), "assumed": True,
                                     "epochs": pilot["epochs"], "steps": pilot["steps"], "kinds": rows,
                                     "placeholders": placeholders})
        flagged = [r for r in rows if r["flags"]]
        log.info("%d job kinds, %d flagged", len(rows), len(flagged))
        for r in flagged:
            log.info("  %s: %s", r["kind"], r["flags"])


main(snakemake)  # noqa: F821
