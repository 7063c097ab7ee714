# Two entry points, each self-contained on a fresh machine: `make run` and `make test`.
# Both create the virtual environment .venv and install mmcore (with its pinned torch) when missing.

VENV ?= .venv
PY := $(VENV)/bin/python
# A Slurm client with no reachable config tries a DNS lookup at every snakemake start (the Slurm
# executor plugin asks scontrol); local runs do not need Slurm, so point it at nothing unless set.
# `make slurm` keeps the caller's SLURM_CONF (or Slurm's own default) for the cluster run.
CLUSTER_SLURM_CONF := $(SLURM_CONF)
SLURM_CONF ?= /dev/null
export SLURM_CONF

.PHONY: run test venv datasets clean slurm

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Offline datasets from Debian, where apt is available and we are root; elsewhere the workflow says
# where it looked and how to provide the data.
datasets:
	@if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; } || \
	  echo "note: could not install the Debian package dataset-fashion-mnist; see README (Data)"; \
	fi

run: venv datasets
	$(VENV)/bin/snakemake

test: venv
	$(VENV)/bin/pytest

# The paper-scale workflow on a Slurm cluster (adapt profiles/slurm/ to your site first).
slurm: venv
	$(if $(CLUSTER_SLURM_CONF),SLURM_CONF=$(CLUSTER_SLURM_CONF),env -u SLURM_CONF) $(VENV)/bin/snakemake --profile profiles/slurm --workflow-profile none --configfile configs/paper.yaml

clean:
	rm -rf results logs benchmarks/results .snakemake
