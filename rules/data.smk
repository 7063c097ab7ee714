# Dataset preparation: each dataset once, into results/data/<name>/, with a manifest.


rule prepare_data:
    input:
        placeholder=data_placeholder,
    output:
        train=out("data/{dataset}/train.pt"),
        test=out("data/{dataset}/test.pt"),
        manifest=out("data/{dataset}/manifest.json"),
    log:
        out("logs/prepare_data/{dataset}.log"),
    benchmark:
        out("benchmarks/prepare_data/{dataset}.tsv")
    wildcard_constraints:
        dataset="|".join(DATASETS),
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        out_dir=lambda wc: f"{RESULTS}/data/{wc.dataset}",
        local_dir=data_local_dir,
        download=DATA_DOWNLOAD,
        verify=data_verify,
    script:
        "../workflow_scripts/prepare_data.py"
