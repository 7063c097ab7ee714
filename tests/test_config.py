"""Config validation: defaults filled, and one sentence naming the key for every kind of mistake."""

import pytest

from mmcore.config import ConfigError, load_config, load_schema, validate_config


@pytest.fixture
def schema(repo):
    return load_schema(repo / "schemas" / "config.schema.yaml")


def test_empty_config_gets_every_default(schema):
    cfg = validate_config({}, schema)
    assert cfg["device"] == "auto"
    assert cfg["synthetic"]["tasks"] == ["A", "B", "C"]
    assert cfg["synthetic"]["methods"] == ["none", "input", "factor"]
    assert cfg["synthetic"]["alpha"] == 1.0
    assert len(cfg["synthetic"]["seeds"]) >= 3


def test_partial_block_keeps_given_values(schema):
    cfg = validate_config({"synthetic": {"iterations": 7}}, schema)
    assert cfg["synthetic"]["iterations"] == 7 and cfg["synthetic"]["batch_size"] == 16


@pytest.mark.parametrize(
    "config,message",
    [
        ({"synthetic": {"tasks": ["D"]}}, r"^config\.synthetic\.tasks\[0\]: expected one of A, B, C, got 'D'$"),
        ({"synthetic": {"methods": ["mixup"]}}, r"^config\.synthetic\.methods\[0\]: expected one of none, input"),
        ({"synthetic": {"alpha": -1}}, r"^config\.synthetic\.alpha: expected a number >= 0, got -1$"),
        ({"synthetic": {"iterations": 0}}, r"^config\.synthetic\.iterations: expected an integer >= 1, got 0$"),
        ({"synthetic": {"seeds": []}}, r"^config\.synthetic\.seeds: expected a list of at least 1 item"),
        ({"synthetic": {"lr": 0}}, r"^config\.synthetic\.lr: expected a number > 0, got 0$"),
        ({"synthetic": {"bogus": 1}}, r"^config\.synthetic: unknown key 'bogus'; allowed keys: "),
        ({"bogus": 1}, r"^config: unknown key 'bogus'"),
        ({"synthetic": {"iterations": "many"}}, r"^config\.synthetic\.iterations: expected integer, got 'many'$"),
        ({"synthetic": {"seeds": [0, 0]}}, r"^config\.synthetic\.seeds: expected a list without repeated items"),
        ({"synthetic": 3}, r"^config\.synthetic: expected object, got 3$"),
        ({"device": "tpu"}, r"^config\.device: expected one of auto, cpu, cuda, got 'tpu'$"),
    ],
)
def test_bad_values_give_one_sentence_naming_the_key(schema, config, message):
    with pytest.raises(ConfigError, match=message) as err:
        validate_config(config, schema)
    assert "\n" not in str(err.value)


def test_shipped_configs_are_valid(repo):
    schema = repo / "schemas" / "config.schema.yaml"
    for path in [repo / "config.yaml", *sorted((repo / "configs").glob("*.yaml"))]:
        load_config(path, schema)


def test_invalid_yaml(tmp_path, repo):
    bad = tmp_path / "bad.yaml"
    bad.write_text("synthetic: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad, repo / "schemas" / "config.schema.yaml")
