"""Config validation: defaults filled, and one sentence naming the key for every kind of mistake."""

import pytest
import yaml

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


# ---- malformed configs: every kind of mistake, at every key, refused before any job -----------------

from mmcore.config import _key  # noqa: E402  (the message format under test)
from mmcore.runsheet import all_runs, artefact_cells  # noqa: E402


def check_as_the_workflow_does(config: dict, schema: dict) -> None:
    """What rules/common.smk does before any job: validate, then expand the run sheet."""
    cfg = validate_config(config, schema)
    all_runs(artefact_cells(cfg))


SUPERVISED_ARCHS = "preactresnet18, preactresnet34, preactresnet50, wrn28_10, wrn28_2"
DATASETS = "mnist, fashion_mnist, cifar10, cifar100, svhn, tiny_imagenet"
UNDEFINED = "schedule 'nope' is not defined in config.supervised.schedules (defined: preact, wrn, long)"

# (config as YAML, the exact one-sentence message). One row per kind of mistake and place it occurs.
MALFORMED = [
    # non-finite numbers, wherever a number is accepted
    ("synthetic: {alpha: .nan}", "config.synthetic.alpha: expected a finite number, got nan"),
    ("synthetic: {lr: .nan}", "config.synthetic.lr: expected a finite number, got nan"),
    ("synthetic: {lr: .inf}", "config.synthetic.lr: expected a finite number, got inf"),
    ("representations: {figure5: {alpha: -.inf}}", "config.representations.figure5.alpha: expected a finite number, got -inf"),
    ("supervised: {table1: {methods: {input: .nan}}}", "config.supervised.table1.methods.input: expected a finite number, got nan"),
    ("supervised: {table3: {alphas: [0.2, .inf]}}", "config.supervised.table3.alphas[1]: expected a finite number, got inf"),
    ("robustness: {fgsm: {methods: {manifold: .nan}}}", "config.robustness.fgsm.methods.manifold: expected a finite number, got nan"),
    ("robustness: {pgd: {epsilon: .inf}}", "config.robustness.pgd.epsilon: expected a finite number or null, got inf"),
    ("synthetic: {seeds: [.nan]}", "config.synthetic.seeds[0]: expected integer, got nan"),
    # duplicates where order does not matter
    ("supervised: {table3: {seeds: [0, 0]}}", "config.supervised.table3.seeds: expected a list without repeated items, got [0, 0]"),
    ("robustness: {pgd: {seeds: [1, 1]}}", "config.robustness.pgd.seeds: expected a list without repeated items, got [1, 1]"),
    ("supervised: {table6: {alphas: [1.0, 1]}}", "config.supervised.table6.alphas: expected a list without repeated items, got [1.0, 1]"),
    ("robustness: {fgsm: {epsilons: [0.1, 0.1]}}", "config.robustness.fgsm.epsilons: expected a list without repeated items, got [0.1, 0.1]"),
    ("robustness: {deformations: {shear: [1, 1.0]}}", "config.robustness.deformations.shear: expected a list without repeated items, got [1, 1.0]"),
    ("supervised: {table1: {archs: [wrn28_2, wrn28_2]}}", "config.supervised.table1.archs: expected a list without repeated items, got ['wrn28_2', 'wrn28_2']"),
    ("supervised: {table5: {layer_sets: [[0, 1], [1, 0]]}}", "config.supervised.table5.layer_sets[1]: repeats the set of layer_sets[0] ([0, 1]); list each set once"),
    ("supervised: {loss_curves: {layer_sets: [[2], [2]]}}", "config.supervised.loss_curves.layer_sets[1]: repeats the set of layer_sets[0] ([2]); list each set once"),
    (
        "robustness: {table9: {models: [{method: none, alpha: 0}, {method: none, alpha: 1}]}}",
        "config.robustness.table9.models[1]: repeats the model of models[0] ({'method': 'none', 'alpha': 0}; none ignores "
        "its alpha); list each model once",
    ),
    ("supervised: {schedules: {preact: {epochs: 4, milestones: [2, 2]}}}", "config.supervised.schedules.preact.milestones: expected a list without repeated items, got [2, 2]"),
    # empty lists and maps that would silently drop a table (enabled: false is the way to skip one)
    ("supervised: {table3: {seeds: []}}", "config.supervised.table3.seeds: expected a list of at least 1 item(s), got []"),
    ("supervised: {table1: {datasets: []}}", "config.supervised.table1.datasets: expected a list of at least 1 item(s), got []"),
    ("supervised: {table1: {archs: []}}", "config.supervised.table1.archs: expected a list of at least 1 item(s), got []"),
    ("supervised: {table1: {methods: {}}}", "config.supervised.table1.methods: expected a mapping of at least 1 entry, got {}"),
    ("supervised: {loss_curves: {layer_sets: []}}", "config.supervised.loss_curves.layer_sets: expected a list of at least 1 item(s), got []"),
    ("supervised: {loss_curves: {figures: {}}}", "config.supervised.loss_curves.figures: expected a mapping of at least 1 entry, got {}"),
    ("robustness: {table9: {models: []}}", "config.robustness.table9.models: expected a list of at least 1 item(s), got []"),
    ("robustness: {deformations: {rotation: []}}", "config.robustness.deformations.rotation: expected a list of at least 1 item(s), got []"),
    ("robustness: {fgsm: {methods: {}}}", "config.robustness.fgsm.methods: expected a mapping of at least 1 entry, got {}"),
    # class subsets
    ("representations: {figure5: {class_subsets: ['5-2']}}", "config.representations.figure5.class_subsets[0]: expected a digit range lo-hi with lo < hi (at least two classes, e.g. '0-4'), got '5-2'"),
    ("representations: {figure5: {class_subsets: ['0-4', '3-3']}}", "config.representations.figure5.class_subsets[1]: expected a digit range lo-hi with lo < hi (at least two classes, e.g. '0-4'), got '3-3'"),
    ("representations: {figure5: {class_subsets: ['x']}}", "config.representations.figure5.class_subsets[0]: expected a string matching ^[0-9]-[0-9]$, got 'x'"),
    ("representations: {figure5: {class_subsets: ['']}}", "config.representations.figure5.class_subsets[0]: expected a string matching ^[0-9]-[0-9]$, got ''"),
    # unknown mixing methods
    ("robustness: {fgsm: {methods: {mixup: 1.0}}}", "config.robustness.fgsm.methods: unknown key 'mixup'; allowed keys: none, input, manifold"),
    ("robustness: {pgd: {methods: {cutmix: 1.0}}}", "config.robustness.pgd.methods: unknown key 'cutmix'; allowed keys: none, input, manifold"),
    ("robustness: {table9: {models: [{method: mixup, alpha: 1}]}}", "config.robustness.table9.models[0].method: expected one of none, input, manifold, got 'mixup'"),
    ("supervised: {table3: {methods: [factor]}}", "config.supervised.table3.methods[0]: expected one of none, input, manifold, got 'factor'"),
    # unknown architectures
    ("supervised: {table3: {arch: resnet9}}", f"config.supervised.table3.arch: expected one of {SUPERVISED_ARCHS}, got 'resnet9'"),
    ("supervised: {table5: {arch: vgg}}", f"config.supervised.table5.arch: expected one of {SUPERVISED_ARCHS}, got 'vgg'"),
    ("robustness: {table9: {arch: vgg}}", f"config.robustness.table9.arch: expected one of {SUPERVISED_ARCHS}, got 'vgg'"),
    ("robustness: {fgsm: {models: [{dataset: cifar10, arch: vgg}]}}", f"config.robustness.fgsm.models[0].arch: expected one of {SUPERVISED_ARCHS}, got 'vgg'"),
    ("supervised: {loss_curves: {figures: {figure6: {dataset: cifar10, arch: vgg}}}}", f"config.supervised.loss_curves.figures.figure6.arch: expected one of {SUPERVISED_ARCHS}, got 'vgg'"),
    ("supervised: {schedule_overrides: {vgg: preact}}", f"config.supervised.schedule_overrides: unknown key 'vgg'; allowed keys: {SUPERVISED_ARCHS}, {DATASETS}"),
    # unknown datasets
    ("supervised: {table3: {dataset: imagenet}}", f"config.supervised.table3.dataset: expected one of {DATASETS}, got 'imagenet'"),
    ("supervised: {alpha_grid: {datasets: [svhn, imagenet]}}", f"config.supervised.alpha_grid.datasets[1]: expected one of {DATASETS}, got 'imagenet'"),
    ("robustness: {pgd: {dataset: imagenet}}", f"config.robustness.pgd.dataset: expected one of {DATASETS}, got 'imagenet'"),
    ("supervised: {labels_per_class: {imagenet: 5}}", f"config.supervised.labels_per_class: unknown key 'imagenet'; allowed keys: {DATASETS}"),
    ("supervised: {stand_in: {dataset: imagenet}}", f"config.supervised.stand_in.dataset: expected one of {DATASETS}, got 'imagenet'"),
    # schedules: undefined names (named where they come from), milestones past the end
    ("supervised: {table1: {schedule: nope}}", f"config.supervised.table1.schedule: {UNDEFINED}"),
    ("supervised: {loss_curves: {schedule: nope}}", f"config.supervised.loss_curves.schedule: {UNDEFINED}"),
    ("robustness: {fgsm: {schedule: nope}}", f"config.robustness.fgsm.schedule: {UNDEFINED}"),
    ("supervised: {schedule_overrides: {wrn28_10: nope}}", f"config.supervised.schedule_overrides.wrn28_10: {UNDEFINED}"),
    ("supervised: {schedules: {preact: {epochs: 4, milestones: [4]}}}", "config.supervised.schedules.preact.milestones[0]: expected a milestone below the schedule's epochs (4), got 4"),
    # layer indices the architectures do not declare, and sets that mean nothing
    ("supervised: {table5: {layer_sets: [[0, 4]]}}", "config.supervised.table5.layer_sets[0][1]: expected an integer <= 3, got 4"),
    ("supervised: {loss_curves: {layer_sets: [[-1]]}}", "config.supervised.loss_curves.layer_sets[0][0]: expected an integer >= 0, got -1"),
    ("supervised: {loss_curves: {detached: [[0]]}}", "config.supervised.loss_curves.detached[0]: expected a set with a hidden layer (1-3), got [0]: nothing lies before the input to block"),
    # figure names that clash with other outputs
    ("supervised: {loss_curves: {figures: {figure4: {dataset: cifar10, arch: preactresnet18}}}}", "config.supervised.loss_curves.figures: figure name 'figure4' is not a loss-curve figure of the registry (mmcore/artefacts/supervised.py: figure6, figure7)"),
    ("supervised: {loss_curves: {figures: {'table1': {dataset: cifar10, arch: preactresnet18}}}}", "config.supervised.loss_curves.figures: key 'table1' does not match ^figure[0-9]+$"),
    # optimiser settings that cannot train
    ("supervised: {momentum: 1.0}", "config.supervised.momentum: expected a number < 1, got 1.0"),
    ("supervised: {gamma: 2}", "config.supervised.gamma: expected a number <= 1, got 2"),
]


@pytest.mark.parametrize("text,message", MALFORMED, ids=[t for t, _ in MALFORMED])
def test_malformed_config_is_refused_in_one_sentence_naming_the_key(schema, text, message):
    with pytest.raises(ConfigError) as err:
        check_as_the_workflow_does(yaml.safe_load(text), schema)
    assert str(err.value) == message
    assert "\n" not in str(err.value)


def _resolve(node: dict, schema: dict) -> dict:
    if "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**_resolve(target, schema), **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _sample_key(node: dict) -> str:
    names = node.get("propertyNames", {})
    if "enum" in names:
        return names["enum"][0]
    return {"^figure[0-9]+$": "figure6"}.get(names.get("pattern"), "preact")


def schema_keys(schema: dict, node: dict | None = None, path: tuple = ()):
    """(key path, resolved schema) of every key the schema has (a map's entries under a sample key)."""
    node = _resolve(schema if node is None else node, schema)
    if path:
        yield path, node
    for name, sub in node.get("properties", {}).items():
        yield from schema_keys(schema, sub, path + (name,))
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        yield from schema_keys(schema, extra, path + (_sample_key(node),))


def _types(node: dict) -> list[str]:
    kind = node.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _nest(path: tuple, value) -> dict:
    for part in reversed(path):
        value = {part: value}
    return value


def test_every_key_of_the_schema_refuses_a_wrong_type_by_its_path(schema):
    keys = list(schema_keys(schema))
    assert len(keys) > 100  # the walk reaches every block
    for path, node in keys:
        wrong = "x" if "string" not in _types(node) else True
        with pytest.raises(ConfigError) as err:
            check_as_the_workflow_does(_nest(path, wrong), schema)
        assert str(err.value).startswith(f"{_key(path)}: expected "), (path, str(err.value))


def test_every_number_of_the_schema_refuses_nan_and_inf_by_its_path(schema):
    checked = 0
    for path, node in schema_keys(schema):
        items = _resolve(node.get("items", {}), schema)
        for value in (float("nan"), float("inf")):
            if "number" in _types(node):
                where, config = path, _nest(path, value)
            elif "number" in _types(items):
                where, config = path + (0,), _nest(path, [value])
            else:
                continue
            with pytest.raises(ConfigError) as err:
                check_as_the_workflow_does(config, schema)
            assert str(err.value).startswith(f"{_key(where)}: expected a finite number"), (path, str(err.value))
            checked += 1
    assert checked >= 40


def test_every_list_either_refuses_empty_or_says_what_empty_means(schema):
    for path, node in schema_keys(schema):
        if "array" in _types(node):
            described = "[]" in node.get("description", "") or "empty list" in node.get("description", "")
            assert node.get("minItems", 0) >= 1 or described, _key(path)
            # Order never matters in these lists: a repeat would run or count something twice. Lists of
            # layer sets are compared as sets by check_semantics.
            items = _resolve(node.get("items", {}), schema)
            assert node.get("uniqueItems") or "array" in _types(items), _key(path)


@pytest.mark.parametrize(
    "text",
    [
        "supervised: {loss_curves: {detached: []}}",  # documented: no gradient-blocked curve
        "representations: {figure5: {class_subsets: []}, svd: {settings: []}}",  # documented: skips them
        "supervised: {table1: {enabled: false, schedule: nope}}",  # a switched-off block trains nothing
        "supervised: {schedules: {preact: {epochs: 3, milestones: []}, wrn: {epochs: 2, milestones: []}, long: {epochs: 3, milestones: [1]}}}",  # constant lr
        "robustness: {pgd: {epsilon: null}}",
    ],
)
def test_deliberate_settings_are_accepted(schema, text):
    check_as_the_workflow_does(yaml.safe_load(text), schema)


def test_a_block_given_in_part_keeps_its_own_defaults(repo):
    """Table 2 is SVHN's: naming only its architectures must not turn it into CIFAR's Table 1."""
    schema = load_schema(repo / "schemas" / "config.schema.yaml")
    cfg = validate_config({"supervised": {"table2": {"archs": ["preactresnet18"]}}}, schema)
    assert cfg["supervised"]["table2"]["datasets"] == ["svhn"]
    assert validate_config({}, schema)["supervised"]["table1"]["datasets"] == ["cifar10", "cifar100"]


def _leaves(node, path=()):
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from _leaves(value, path + (key,))
    else:
        yield path


def test_the_paper_overlay_sets_every_key_the_default_run_sets(repo):
    """Snakemake merges configs/paper.yaml over config.yaml key by key: a reduced value the overlay does not
    name (say representations.svd.width) would silently carry over into a 'paper' run."""
    base = yaml.safe_load((repo / "config.yaml").read_text())
    paper = yaml.safe_load((repo / "configs" / "paper.yaml").read_text())
    missing = []
    for path in _leaves(base):
        node = paper
        for key in path:
            if not isinstance(node, dict):  # the overlay replaces the whole block there (e.g. stand_in: null)
                break
            if key not in node:
                missing.append(".".join(path))
                break
            node = node[key]
    assert not missing, f"configs/paper.yaml leaves these to config.yaml's reduced values: {missing}"


def test_a_representation_part_may_set_its_own_width_and_epochs(repo):
    schema = load_schema(repo / "schemas" / "config.schema.yaml")
    cfg = validate_config(
        {"representations": {"width": 256, "epochs": 6, "svd": {"width": 128}, "figure5": {"epochs": 3}}}, schema
    )
    runs = all_runs(artefact_cells(cfg))
    rep = [r for r in runs.values() if r["experiment"] == "representations"]
    svd = [r for r in rep if not r["setting"].startswith("bottleneck2d")]
    fig5 = [r for r in rep if r["setting"].startswith("bottleneck2d")]
    assert svd and fig5
    assert {(yaml.safe_load(r["model_kwargs"]).get("width"), r["epochs"]) for r in svd} == {(128, 6)}
    assert {(yaml.safe_load(r["model_kwargs"]).get("width"), r["epochs"]) for r in fig5} == {(256, 3)}
    from mmcore.artefacts import ARTEFACTS
    from mmcore.scale import scale_of

    assert "hidden layers of 128 units" in scale_of(ARTEFACTS["svd_flattening"], cfg)
    assert "3 epochs" in scale_of(ARTEFACTS["figure5"], cfg)
