# Section 5.1 and appendix C: supervised runs (PreActResNets, WRN), shared by run id between Tables 1-3,
# 5, 6, the alpha grid, Figures 6-7 and the robustness evaluations. The test set is scored every epoch
# inside the training job, as the authors' main.py.


rule supervised_train:
    input:
        data=run_data_manifest,
    output:
        model=out("runs/{run_id}/model.pt"),
        history=out("runs/{run_id}/history.csv"),
        metrics=out("runs/{run_id}/metrics.json"),
    log:
        out("logs/supervised_train/{run_id}.log"),
    benchmark:
        out("benchmarks/supervised_train/{run_id}.tsv")
    wildcard_constraints:
        run_id="sup-[^/]+",
    conda:
        "../envs/mmcore.yaml"
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        run=run_row,
        data_dir=run_data_dir,
        device=config["device"],
        checkpoint=checkpoint,
        checkpoint_every_epochs=config["supervised"]["checkpoint_every_epochs"],
        channels_last=config["supervised"]["channels_last"],
        precision=config["precision"],
    script:
        "../workflow_scripts/supervised_train.py"
