# Appendix B (Figure 5) and appendix G (Figures 9-12): bottleneck MLPs and their representations.


rule representations_train:
    input:
        data=run_data_manifest,
    output:
        model="results/runs/{run_id}/model.pt",
        history="results/runs/{run_id}/history.csv",
    log:
        "logs/representations_train/{run_id}.log",
    benchmark:
        "benchmarks/results/representations_train/{run_id}.tsv"
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
        checkpoint=lambda wc: f"results/checkpoints/{wc.run_id}/last.pt",
        checkpoint_every=config["representations"]["checkpoint_every"],
    script:
        "../workflow_scripts/representations_train.py"


rule representations_extract:
    input:
        data=run_data_manifest,
        model="results/runs/{run_id}/model.pt",
    output:
        representations="results/runs/{run_id}/representations.pt",
        metrics="results/runs/{run_id}/metrics.json",
    log:
        "logs/representations_extract/{run_id}.log",
    benchmark:
        "benchmarks/results/representations_extract/{run_id}.tsv"
    wildcard_constraints:
        run_id="rep-[^/]+",
    conda:
        "../envs/mmcore.yaml"
    threads: config["threads"]
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        run=run_row,
        data_dir=run_data_dir,
        device=config["device"],
        center=config["representations"]["svd"]["center"],
    script:
        "../workflow_scripts/representations_extract.py"


rule representations_svd:
    input:
        metrics=run_files(SVD_RUNS, "metrics.json"),
    output:
        csv=report(
            "results/tables/svd_flattening.csv",
            caption="../report/svd_flattening.rst",
            category="Appendix G: flattening",
        ),
        md=report(
            "results/tables/svd_flattening.md",
            caption="../report/svd_flattening.rst",
            category="Appendix G: flattening",
        ),
        figures=[
            report(
                f"results/figures/figure{SVD_FIGURES[s]}.png",
                caption="../report/svd_figures.rst",
                category="Appendix G: flattening",
            )
            for s in SVD_SETTINGS
        ],
        overall=report(
            "results/figures/figure12.png",
            caption="../report/figure12.rst",
            category="Appendix G: flattening",
        ),
    log:
        "logs/representations_svd.log",
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        figure_settings=SVD_SETTINGS,
        scale=representations_scale(config["representations"]),
        dataset=config["representations"]["dataset"],
    script:
        "../workflow_scripts/representations_svd.py"


rule representations_figure5:
    input:
        metrics=run_files(FIGURE5_RUNS, "metrics.json"),
        representations=run_files(FIGURE5_RUNS, "representations.pt"),
    output:
        png=report(
            "results/figures/figure5.png",
            caption="../report/figure5.rst",
            category="Appendix B: 2-D bottleneck",
        ),
        csv=report(
            "results/tables/bottleneck2d.csv",
            caption="../report/bottleneck2d.rst",
            category="Appendix B: 2-D bottleneck",
        ),
        md=report(
            "results/tables/bottleneck2d.md",
            caption="../report/bottleneck2d.rst",
            category="Appendix B: 2-D bottleneck",
        ),
    log:
        "logs/representations_figure5.log",
    conda:
        "../envs/mmcore.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        scale=representations_scale(config["representations"]),
        dataset=config["representations"]["dataset"],
    script:
        "../workflow_scripts/representations_figure5.py"
