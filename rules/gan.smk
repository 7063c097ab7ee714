# Appendix E / Figure 8: GAN runs with mixup in the discriminator. One job per run trains G and D, samples
# G and scores the samples (IS, FID, KID through torch-fidelity). With classifier features (the offline
# default) a classifier trained on the same data, its own run, provides them.


rule gan_classifier_train:
    input:
        data=run_data_manifest,
    output:
        model=out("runs/{run_id}/model.pt"),
        metrics=out("runs/{run_id}/metrics.json"),
    log:
        out("logs/gan_classifier_train/{run_id}.log"),
    benchmark:
        out("benchmarks/gan_classifier_train/{run_id}.tsv")
    wildcard_constraints:
        run_id="ganclf-[^/]+",
    conda:
        "../envs/mmcore.yaml"
    threads: config["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        run=run_row,
        data_dir=run_data_dir,
        device=config["device"],
        precision=config["precision"],
    script:
        "../workflow_scripts/gan_classifier_train.py"


rule gan_train:
    input:
        data=run_data_manifest,
        features=gan_feature_model,
    output:
        model=out("runs/{run_id}/model.pt"),
        history=out("runs/{run_id}/history.csv"),
        metrics=out("runs/{run_id}/metrics.json"),
        samples=out("runs/{run_id}/samples.pt"),
    log:
        out("logs/gan_train/{run_id}.log"),
    benchmark:
        out("benchmarks/gan_train/{run_id}.tsv")
    wildcard_constraints:
        run_id="gan-[^/]+",
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
        checkpoint_every_steps=config["gan"]["checkpoint_every_steps"],
        weights_path=gan_weights_path,
        allow_download=config["gan"]["allow_download"],
        grid=config["gan"]["sample_grid"],
        precision=config["precision"],
    script:
        "../workflow_scripts/gan_train.py"
