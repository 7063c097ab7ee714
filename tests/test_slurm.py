"""The workflow through profiles/slurm on a real single-node Slurm (tests/slurm/cluster.py, 127.0.0.1).

The profile is used as written except for what a two-core test node cannot honour: its partitions
become the local one, GPU requests 0 and CPUs per job 1 (derived in `local_profile`). There is no
accounting, so job status comes from squeue. Each DAG level costs ~12 s of status polling and every
job starts Snakemake twice, so the whole smoke DAG (62 jobs) would take too long on two cores: the
test runs a subset of the smoke config, the synthetic family (Table 8: 6 training runs, 6 evaluations,
the table), Figure 4, and the Fashion-MNIST preparation, 15 jobs in about two minutes.

Skips where the cluster cannot run (not root, no apt-get, packages not installable). Outside the
cluster runs SLURM_CONF stays /dev/null (tests/conftest.py); only the cluster-mode snakemake gets the
real config, and only while the daemons are up.
"""

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from slurm.cluster import PARTITION, LocalSlurm, Unavailable, cluster_env
from test_workflow import copy_workflow

pytestmark = pytest.mark.integration

SUBSET = [
    "results/tables/table8.md",  # 6 synthetic_train (each scores its run), table (Table 8)
    "results/figures/figure4.png",
    "results/data/fashion_mnist/manifest.json",  # prepare_data from the IDX fixture
]
SUBMITTED = re.compile(r"Job \d+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)\.")


@pytest.fixture(scope="module")
def cluster():
    """One cluster for the module; stopped (scancel, then each daemon by PID) even when a test fails."""
    try:
        slurm = LocalSlurm().start()
    except Unavailable as err:
        pytest.skip(f"no local Slurm cluster: {err}")
    try:
        yield slurm
    finally:
        slurm.stop()


@pytest.fixture(scope="module")
def work(tmp_path_factory, request):
    """A copy of the workflow with the IDX fixture and the local variant of profiles/slurm."""
    work = copy_workflow(Path(request.config.rootpath), tmp_path_factory.mktemp("slurm"))
    profile = local_profile(yaml.safe_load((work / "profiles" / "slurm" / "config.yaml").read_text()))
    (work / "profiles" / "slurm-local").mkdir()
    (work / "profiles" / "slurm-local" / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return work


def local_profile(profile: dict) -> dict:
    """profiles/slurm for the test node: its partition, no GPU, one CPU per job; all else as written."""
    profile["default-resources"]["slurm_partition"] = PARTITION
    local = {"slurm_partition": PARTITION, "gpu": 0, "cpus_per_task": 1}
    for res in profile["set-resources"].values():
        res.update({key: value for key, value in local.items() if key in res})
    profile["set-threads"] = {rule: 1 for rule in profile["set-threads"]}
    return profile


def cluster_snakemake(work: Path, log: str, *args: str, limit: int = 420) -> subprocess.Popen:
    """Start snakemake with the Slurm profile, its output in work/log. Wrapped in `timeout -s INT`:
    without a job status the plugin would wait forever, and only SIGINT stops it."""
    cmd = [
        "timeout", "-s", "INT", "-k", "30", str(limit), sys.executable, "-m", "snakemake",
        "--profile", "profiles/slurm-local", "--workflow-profile", "none",
        "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2",
        "--slurm-keep-successful-logs", *args,
    ]
    with open(work / log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=work, env=cluster_env(), stdout=out, stderr=subprocess.STDOUT)
    proc.log = work / log
    return proc


def finish(proc: subprocess.Popen) -> str:
    """Wait for the run; its output, which must end in success."""
    proc.wait(timeout=600)
    out = proc.log.read_text()
    assert proc.returncode == 0, out[-6000:]
    return out


def slurm_jobs(cluster: LocalSlurm) -> dict[str, dict]:
    """Every job slurmctld still remembers: {id: {state, limit, comment}}."""
    jobs = {}
    for line in cluster.squeue("-t", "all", "-o", "%i|%T|%l|%k").splitlines():
        job_id, state, limit, comment = line.split("|")
        jobs[job_id] = {"state": state, "limit": limit, "comment": comment}
    return jobs


def test_smoke_subset_runs_every_job_through_slurm(cluster, work, capsys):
    out = finish(cluster_snakemake(work, "subset.log", *SUBSET, "--configfile", "configs/smoke.yaml"))
    submitted = SUBMITTED.findall(out)
    with capsys.disabled():  # into the CI log: every smoke job and its Slurm job id
        print("\nsmoke jobs submitted to Slurm:")
        for job_id, log in submitted:
            print(f"  Slurm job {job_id}: {Path(log).relative_to(work / '.snakemake' / 'slurm_logs')}")
    steps = re.search(r"(\d+) of (\d+) steps \(100%\) done", out)
    assert steps and len(submitted) == int(steps.group(2)) == 9, out[-3000:]  # each job its own sbatch
    jobs = slurm_jobs(cluster)
    for job_id, log in submitted:
        assert jobs[job_id]["state"] == "COMPLETED", jobs[job_id]
        assert jobs[job_id]["comment"].startswith("rule_")
        # The plugin's log of the Slurm job: Snakemake ran inside it through the job-step executor.
        assert "--executor slurm-jobstep" in Path(log).read_text()
    rules = {Path(log).relative_to(work / ".snakemake" / "slurm_logs").parts[0] for _, log in submitted}
    assert rules == {"rule_prepare_data", "rule_synthetic_train", "rule_table", "rule_figure"}
    for target in SUBSET:
        assert (work / target).stat().st_size > 0, target
    assert "Scale: reduced" in (work / "results" / "tables" / "table8.md").read_text()
    train_limits = {jobs[i]["limit"] for i, log in submitted if "rule_synthetic_train" in log}
    assert train_limits == {"1:00:00"}  # the profile's runtime "60 * attempt" on the first attempt


def test_cancelled_job_is_retried_and_the_workflow_completes(cluster, work):
    cfg = yaml.safe_load((work / "configs" / "smoke.yaml").read_text())
    # One training run long enough (~10 s) to be cancelled mid-way, checkpointing every 10 steps.
    cfg["synthetic"].update(tasks=["A"], methods=["none"], seeds=[1], iterations=150, checkpoint_every_steps=10)
    (work / "retry.yaml").write_text(yaml.safe_dump(cfg))
    proc = cluster_snakemake(work, "retry.log", "results/tables/table8.md", "--configfile", "retry.yaml")
    try:
        victim = wait_for_checkpointed_training(cluster, work)
        assert subprocess.run(["scancel", victim], env=cluster_env()).returncode == 0
    except BaseException:
        proc.send_signal(signal.SIGINT)  # snakemake cancels its jobs
        proc.wait(timeout=120)
        raise
    out = finish(proc)
    jobs = slurm_jobs(cluster)
    train = [job_id for job_id, log in SUBMITTED.findall(out) if "rule_synthetic_train" in log]
    assert len(train) == 2 and train[0] == victim, out[-3000:]
    assert jobs[victim]["state"] == "CANCELLED"
    assert jobs[train[1]]["state"] == "COMPLETED"
    # The retry asked for twice the runtime ("60 * attempt") and resumed from the checkpoint.
    assert (jobs[victim]["limit"], jobs[train[1]]["limit"]) == ("1:00:00", "2:00:00")
    run = next(Path(work, "results", "runs").glob("syn-taskA-none-a0-s1-*"))
    assert "resumed from" in (work / "results" / "logs" / "synthetic_train" / f"{run.name}.log").read_text()
    assert (run / "metrics.json").exists()
    rows = (work / "results" / "tables" / "table8.csv").read_text().splitlines()[1:]
    assert len(rows) == 1 and ",none," in rows[0]  # the retry config's Table 8: one task, one method


def wait_for_checkpointed_training(cluster: LocalSlurm, work: Path, timeout: float = 180) -> str:
    """The Slurm id of the synthetic_train job, once it runs and has written a checkpoint."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in cluster.squeue("-t", "R", "-o", "%i|%k").splitlines():
            job_id, comment = line.split("|")
            checkpoint = list(work.glob("results/checkpoints/syn-*-s1-*/last.pt"))
            if comment.startswith("rule_synthetic_train") and checkpoint:
                return job_id
        time.sleep(0.3)
    raise AssertionError(f"no running synthetic_train job with a checkpoint within {timeout} s")
