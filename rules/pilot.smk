# The pilot of a configuration (config.pilot, configs/pilot.yaml, docs/pilot.md): every job of the
# configuration through the real rules, capped at a few steps and images (the caps are in the run rows,
# mmcore.pilot), on placeholder files where the data or the Inception weights are missing, and a report
# of every job kind's step time, peak memory, full-scale projection and Slurm profile check.


rule pilot_placeholder:
    output:
        out("pilot/placeholders/{dataset}/placeholder.json"),
    log:
        out("logs/pilot_placeholder/{dataset}.log"),
    wildcard_constraints:
        dataset="|".join(DATASETS),
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        n_train=lambda wc: 400 if wc.dataset == "tiny_imagenet" else 500,
        n_test=200,
    script:
        "../workflow_scripts/pilot_placeholder.py"


rule pilot_inception_placeholder:
    output:
        out(f"pilot/placeholders/inception/{INCEPTION_WEIGHTS_FILE}"),
    log:
        out("logs/pilot_placeholder/inception.log"),
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        n_train=0,
        n_test=0,
    script:
        "../workflow_scripts/pilot_placeholder.py"


rule pilot_report:
    input:
        records=lambda wc: [j[2] for j in _pilot_jobs()],
        placeholders=[
            f"{placeholder_dir(d)}/placeholder.json"
            for d in PLACEHOLDER_DATASETS
            if d in PILOT_DATASETS
        ]
        + ([inception_placeholder()] if INCEPTION_PLACEHOLDER else []),
    output:
        md=report(
            out("pilot_report.md"),
            caption="../report/pilot.rst",
            category="Pilot",
        ),
        json=out("pilot_report.json"),
    log:
        out("logs/pilot_report.log"),
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        jobs=lambda wc: _pilot_jobs(),
        runs=lambda wc: RUNS,
        pilot=PILOT,
        rule_resources=lambda wc: _rule_resources(),
        placeholder_datasets=[d for d in PLACEHOLDER_DATASETS if d in PILOT_DATASETS],
        inception=INCEPTION_PLACEHOLDER,
        verify_checksums=config["data"]["verify_checksums"],
    script:
        "../workflow_scripts/pilot_report.py"
