# Manifold Mixup (Verma et al., ICML 2019), regenerated: data, training, evaluation, tables, figures.
# Table of contents only; the Python lives in rules/common.smk and in the mmcore package.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/pilot.smk"
include: "rules/data.smk"
include: "rules/synthetic.smk"
include: "rules/representations.smk"
include: "rules/supervised.smk"
include: "rules/robustness.smk"
include: "rules/gan.smk"
include: "rules/artefacts.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
