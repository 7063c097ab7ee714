# Appendices B and G: bottleneck MLPs. One job per run: train, then extract the test-set bottleneck
# representations and their SVD / tightness figures of merit.


rule representations_train:
    input:
        data=run_data_manifest,
    output:
        model=out("runs/{run_id}/model.pt"),
        history=out("runs/{run_id}/history.csv"),
        representations=out("runs/{run_id}/representations.pt"),
        metrics=out("runs/{run_id}/metrics.json"),
    log:
        out("logs/representations_train/{run_id}.log"),
    benchmark:
        out("benchmarks/representations_train/{run_id}.tsv")
    wildcard_constraints:
        run_id="rep-[^/]+",
    conda:
        "../envs/mmcore.yaml"
    threads: config["threads"]
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        run=run_row,
        data_dir=run_data_dir,
        device=config["device"],
        checkpoint=checkpoint,
        checkpoint_every_steps=config["representations"]["checkpoint_every_steps"],
        center=config["representations"]["svd"]["center"],
        precision=config["precision"],
    script:
        "../workflow_scripts/representations_train.py"
