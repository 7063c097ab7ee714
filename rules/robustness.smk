# Section 5.2 and appendix D: trained supervised runs under deformations (Table 9 / Table 4), FGSM
# (Table 7) and unbounded PGD. One job per (run, evaluation): new strengths re-evaluate, never retrain.


rule robustness_deform:
    input:
        data=run_data_manifest,
        model="results/runs/{run_id}/model.pt",
    output:
        "results/runs/{run_id}/deform.json",
    log:
        "logs/robustness_deform/{run_id}.log",
    benchmark:
        "benchmarks/results/robustness_deform/{run_id}.tsv"
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
        model="results/runs/{run_id}/model.pt",
    output:
        "results/runs/{run_id}/fgsm.json",
    log:
        "logs/robustness_fgsm/{run_id}.log",
    benchmark:
        "benchmarks/results/robustness_fgsm/{run_id}.tsv"
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
        model="results/runs/{run_id}/model.pt",
    output:
        "results/runs/{run_id}/pgd.json",
    log:
        "logs/robustness_pgd/{run_id}.log",
    benchmark:
        "benchmarks/results/robustness_pgd/{run_id}.tsv"
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


rule robustness_table9:
    input:
        evaluations=lambda wc: cell_files(TABLE_CELLS["table9"], "deform.json"),
    output:
        csv=report(
            "results/tables/table9.csv",
            caption="../report/table9.rst",
            category="Section 5.2: robustness",
        ),
        md=report(
            "results/tables/table9.md",
            caption="../report/table9.rst",
            category="Section 5.2: robustness",
        ),
        png=report(
            "results/figures/table9_deformations.png",
            caption="../report/table9.rst",
            category="Section 5.2: robustness",
        ),
    log:
        "logs/robustness_table9.log",
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cells=TABLE_CELLS.get("table9", []),
        scale=supervised_scale(
            config["supervised"], "table9", config["robustness"]["table9"]
        ),
        interpolation=config["robustness"]["interpolation"],
    script:
        "../workflow_scripts/robustness_table9.py"


rule robustness_table7:
    input:
        evaluations=lambda wc: cell_files(TABLE_CELLS["table7"], "fgsm.json"),
    output:
        csv=report(
            "results/tables/table7.csv",
            caption="../report/table7.rst",
            category="Section 5.2: robustness",
        ),
        md=report(
            "results/tables/table7.md",
            caption="../report/table7.rst",
            category="Section 5.2: robustness",
        ),
    log:
        "logs/robustness_table7.log",
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cells=TABLE_CELLS.get("table7", []),
        scale=supervised_scale(
            config["supervised"], "table7", config["robustness"]["fgsm"]
        ),
    script:
        "../workflow_scripts/robustness_table7.py"


rule robustness_pgd_table:
    input:
        evaluations=lambda wc: cell_files(TABLE_CELLS["pgd_sanity"], "pgd.json"),
    output:
        csv=report(
            "results/tables/pgd_sanity.csv",
            caption="../report/pgd_sanity.rst",
            category="Appendix D: adversarial sanity check",
        ),
        md=report(
            "results/tables/pgd_sanity.md",
            caption="../report/pgd_sanity.rst",
            category="Appendix D: adversarial sanity check",
        ),
    log:
        "logs/robustness_pgd_table.log",
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cells=TABLE_CELLS.get("pgd_sanity", []),
        scale=supervised_scale(
            config["supervised"], "pgd_sanity", config["robustness"]["pgd"]
        ),
        iterations=config["robustness"]["pgd"]["iterations"],
        step_size=config["robustness"]["pgd"]["step_size"],
        epsilon=config["robustness"]["pgd"]["epsilon"],
    script:
        "../workflow_scripts/robustness_pgd_table.py"
