# Dataset preparation: each dataset once, into results/data/<name>/, with a manifest.


rule prepare_data:
    output:
        train=out("data/{dataset}/train.pt"),
        test=out("data/{dataset}/test.pt"),
        manifest=out("data/{dataset}/manifest.json"),
    log:
        out("logs/prepare_data/{dataset}.log"),
    wildcard_constraints:
        dataset="|".join(DATASETS),
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        out_dir=lambda wc: f"{RESULTS}/data/{wc.dataset}",
        local_dir=lambda wc: config["data"]["local_dirs"].get(wc.dataset),
        download=config["data"]["download"],
        verify=config["data"]["verify_checksums"],
    script:
        "../workflow_scripts/prepare_data.py"
