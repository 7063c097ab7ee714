# Appendix A: the synthetic factor experiment. One job per run: train, then score on the fixed test set.


rule synthetic_train:
    output:
        model=out("runs/{run_id}/model.pt"),
        history=out("runs/{run_id}/history.csv"),
        metrics=out("runs/{run_id}/metrics.json"),
    log:
        out("logs/synthetic_train/{run_id}.log"),
    benchmark:
        out("benchmarks/synthetic_train/{run_id}.tsv")
    wildcard_constraints:
        run_id="syn-[^/]+",
    # The quickest experiment goes first: Table 8 and Figure 4 appear within minutes.
    priority: 10
    conda:
        "../envs/mmcore.yaml"
    threads: config["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        run=run_row,
        device=config["device"],
        checkpoint=checkpoint,
        checkpoint_every_steps=config["synthetic"]["checkpoint_every_steps"],
        test_size=config["synthetic"]["test_size"],
        precision=config["precision"],
    script:
        "../workflow_scripts/synthetic_train.py"
