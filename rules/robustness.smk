# Section 5.2 and appendix D: trained supervised runs under deformations (Table 9 / Table 4), FGSM
# (Table 7) and unbounded PGD. One job per (run, evaluation): new strengths re-evaluate, never retrain.


rule robustness_deform:
    input:
        data=run_data_manifest,
        model=out("runs/{run_id}/model.pt"),
        trained=out("runs/{run_id}/metrics.json"),
    output:
        out("runs/{run_id}/deform.json"),
    log:
        out("logs/robustness_deform/{run_id}.log"),
    benchmark:
        out("benchmarks/robustness_deform/{run_id}.tsv")
    wildcard_constraints:
        run_id="sup-[^/]+",
    conda:
        "../envs/mmcore.yaml"
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        run=run_row,
        data_dir=run_data_dir,
        device=config["device"],
        deformations=config["robustness"]["deformations"],
        interpolation=config["robustness"]["interpolation"],
    script:
        "../workflow_scripts/robustness_deform.py"


rule robustness_fgsm:
    input:
        data=run_data_manifest,
        model=out("runs/{run_id}/model.pt"),
        trained=out("runs/{run_id}/metrics.json"),
    output:
        out("runs/{run_id}/fgsm.json"),
    log:
        out("logs/robustness_fgsm/{run_id}.log"),
    benchmark:
        out("benchmarks/robustness_fgsm/{run_id}.tsv")
    wildcard_constraints:
        run_id="sup-[^/]+",
    conda:
        "../envs/mmcore.yaml"
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        run=run_row,
        data_dir=run_data_dir,
        device=config["device"],
        epsilons=config["robustness"]["fgsm"]["epsilons"],
    script:
        "../workflow_scripts/robustness_fgsm.py"


rule robustness_pgd:
    input:
        data=run_data_manifest,
        model=out("runs/{run_id}/model.pt"),
        trained=out("runs/{run_id}/metrics.json"),
    output:
        out("runs/{run_id}/pgd.json"),
    log:
        out("logs/robustness_pgd/{run_id}.log"),
    benchmark:
        out("benchmarks/robustness_pgd/{run_id}.tsv")
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
        iterations=config["robustness"]["pgd"]["iterations"],
        step_size=config["robustness"]["pgd"]["step_size"],
        epsilon=config["robustness"]["pgd"]["epsilon"],
        test_size=config["robustness"]["pgd"]["test_size"],
    script:
        "../workflow_scripts/robustness_pgd.py"
