"""The README's entry points: what `make` says before it installs anything."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_disk_too_small_for_pytorch_stops_the_install_in_one_sentence(tmp_path):
    venv = tmp_path / "venv"
    proc = subprocess.run(
        ["make", "-s", "venv", f"VENV={venv}", "NEED_GB=1000000000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    said = [line for line in proc.stderr.splitlines() if line.startswith("make: installing")]
    assert len(said) == 1, proc.stderr
    assert "needs about 1000000000 GB free" in said[0] and str(venv) in said[0]
    assert not (venv / "bin").exists(), "the venv was created although the disk check failed"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_unit_runs_the_tests_without_the_integration_ones(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".installed").touch()  # newer than pyproject.toml: the venv counts as installed
    # --no-print-directory: under `make test` the nested make would print "Entering directory" lines.
    proc = subprocess.run(["make", "--no-print-directory", "-n", "unit", f"VENV={venv}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f'{venv}/bin/pytest -m "not integration"']
