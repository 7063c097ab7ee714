"""Configs that used to crash or slip through (a hostile or careless user), each refused in one sentence
naming the key, before any job; and the run-time requests that cannot work, said in one sentence."""

import errno
import logging

import pytest
import torch
import yaml

from mmcore.config import ConfigError, check_overlays, load_schema, validate_config
from mmcore.errors import UserError
from mmcore.provenance import resolve_device
from mmcore.steps import step


@pytest.fixture
def schema(repo):
    return load_schema(repo / "schemas" / "config.schema.yaml")


@pytest.fixture
def default(repo):
    return yaml.safe_load((repo / "config.yaml").read_text())


def _refused(schema, config, message):
    with pytest.raises(ConfigError, match=message) as err:
        validate_config(config, schema)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "config,message",
    [
        # null and integer keys side by side used to raise a TypeError while sorting them
        ({None: 1, 2: 3}, r"^config: unknown key (None|2); allowed keys: data, device"),
        ({"supervised": {None: 1, 2: 3}}, r"^config\.supervised: unknown key (None|2); allowed keys: "),
        # seeds past int64 overflowed at run time
        ({"synthetic": {"seeds": [2**70]}}, r"^config\.synthetic\.seeds\[0\]: expected an integer <= 2147483647"),
        ({"supervised": {"seeds": [2**63]}}, r"^config\.supervised\.seeds\[0\]: expected an integer <= "),
        ({"gan": {"seeds": [2**40]}}, r"^config\.gan\.seeds\[0\]: expected an integer <= "),
        # sizes that no real run needs, and that ran out of memory in one tensor
        ({"gan": {"batch_size": 10**7}}, r"^config\.gan\.batch_size: expected an integer <= 4096, got 10000000$"),
        ({"synthetic": {"batch_size": 10**8}}, r"^config\.synthetic\.batch_size: expected an integer <= 4096"),
        ({"synthetic": {"test_size": 10**8}}, r"^config\.synthetic\.test_size: expected an integer <= 100000"),
        ({"gan": {"eval_samples": 10**7}}, r"^config\.gan\.eval_samples: expected an integer <= 100000"),
        ({"threads": 10**6}, r"^config\.threads: expected an integer <= 256"),
        # a digit range with a line break became a folder name with a newline
        ({"representations": {"figure5": {"class_subsets": ["0-9\n"]}}},
         r"^config\.representations\.figure5\.class_subsets\[0\]: expected a string matching \^\[0-9\]-\[0-9\]\$"),
        # a GAN block that trains nothing finished with the GAN table missing
        ({"gan": {"baseline": False, "layer_sets": []}},
         r"^config\.gan: baseline is false and layer_sets is empty, so no GAN would train; set gan\.enabled: false"),
        ({"supervised": {"loss_curves": {"figures": {}}}},
         r"^config\.supervised\.loss_curves\.figures: expected a mapping of at least 1 entry"),
    ],
)
def test_the_cases_that_got_through_are_refused_naming_the_key(schema, config, message):
    _refused(schema, config, message)


def test_the_gan_turned_off_plainly_is_accepted(schema):
    cfg = validate_config({"gan": {"enabled": False, "baseline": False, "layer_sets": []}}, schema)
    assert cfg["gan"]["enabled"] is False


def test_the_bounds_leave_the_paper_scale_settings_alone(repo, schema):
    paper = yaml.safe_load((repo / "configs" / "paper.yaml").read_text())
    cfg = validate_config(paper, schema)
    assert cfg["gan"]["eval_samples"] <= 100000 and cfg["supervised"]["batch_size"] <= 4096


def test_an_empty_mapping_in_an_overlay_is_not_silently_merged_away(tmp_path, default):
    overlay = tmp_path / "mine.yaml"
    overlay.write_text("supervised:\n  loss_curves:\n    figures: {}\n")
    with pytest.raises(ConfigError, match=r"^config\.supervised\.loss_curves\.figures: \{\} in .*mine\.yaml removes "
                       r"nothing: Snakemake merges config files key by key"):
        check_overlays([overlay], {}, default)
    with pytest.raises(ConfigError, match=r"^config\.gan: \{\} in --config removes nothing"):
        check_overlays([], {"gan": {}}, default)


def test_overlays_that_set_values_pass(tmp_path, repo, default):
    check_overlays([repo / "configs" / "smoke.yaml", repo / "configs" / "paper.yaml"], {"threads": 2}, default)
    # an empty mapping where the default has none is a real value, not a swallowed one
    check_overlays([], {"supervised": {"schedule_overrides": {}}}, default)


def test_cuda_without_a_gpu_is_one_sentence(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(UserError, match=r"^config\.device is 'cuda' but this machine has no CUDA device; set device"):
        resolve_device("cuda")


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        RuntimeError("[enforce fail at inline_container.cc:664] . PytorchStreamWriter failed writing file "
                     "data/0: file write failed (No space left on device)"),
    ],
)
def test_a_full_disk_ends_the_step_in_one_sentence(tmp_path, error, caplog):
    with pytest.raises(SystemExit, match=r"^Error: the disk is full \(no space left on device\)") as exit_:
        with step(str(tmp_path / "job.log")):
            raise error
    assert "\n" not in str(exit_.value)
    logging.shutdown()


def test_other_failures_keep_their_traceback(tmp_path):
    with pytest.raises(KeyError):
        with step(str(tmp_path / "job.log")):
            raise KeyError("a bug")
