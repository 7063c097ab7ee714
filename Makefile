# Two entry points, each self-contained on a fresh machine: `make run` and `make test` (`make unit`: the
# tests without the integration ones).
# Both create the virtual environment .venv and install mmcore (with its pinned torch) when missing.

VENV ?= .venv
PY := $(VENV)/bin/python
# A Slurm client with no reachable config tries a DNS lookup at every snakemake start (the Slurm
# executor plugin asks scontrol); local runs do not need Slurm, so point it at nothing unless set.
# `make slurm` keeps the caller's SLURM_CONF (or Slurm's own default) for the cluster run.
CLUSTER_SLURM_CONF := $(SLURM_CONF)
SLURM_CONF ?= /dev/null
export SLURM_CONF

.PHONY: run test unit venv datasets clean slurm pilot

venv: $(VENV)/.installed

# PyTorch 2.14.1 takes about 6 GB in the venv; a full disk would otherwise surface as pip's OSError
# half-way through the install, so check first and say so in one sentence.
NEED_GB ?= 7
$(VENV)/.installed: pyproject.toml
	@mkdir -p $(VENV); free_gb=$$(df -Pk $(VENV) | awk 'NR==2 {print int($$4 / 1048576)}'); \
	if ! ls -d $(VENV)/lib/python3*/site-packages/torch >/dev/null 2>&1 && [ "$$free_gb" -lt $(NEED_GB) ]; then \
	  echo "make: installing PyTorch into $(VENV) needs about $(NEED_GB) GB free on its disk and $$free_gb GB are free; free some space (or set VENV=/a/roomier/path) and run make again" >&2; \
	  exit 1; \
	fi
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-cache-dir -e '.[test]'
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

# The quick loop while developing: every test but those that run Snakemake or Slurm (marked integration).
unit: venv
	$(VENV)/bin/pytest -m "not integration"

# A pilot of the paper-scale run on this machine (docs/pilot.md): every job kind of configs/paper.yaml, a few
# steps each, placeholder data where none is provided, results-pilot/pilot_report.md; never downloads.
PILOT_CORES ?= 2
pilot: venv
	$(VENV)/bin/snakemake --cores $(PILOT_CORES) --configfile configs/paper.yaml configs/pilot.yaml

# The paper-scale workflow on a Slurm cluster (adapt profiles/slurm/ to your site first).
slurm: venv
	$(if $(CLUSTER_SLURM_CONF),SLURM_CONF=$(CLUSTER_SLURM_CONF),env -u SLURM_CONF) $(VENV)/bin/snakemake --profile profiles/slurm --workflow-profile none --configfile configs/paper.yaml

clean:
	rm -rf results results-smoke results-paper results-pilot logs benchmarks/results .snakemake
