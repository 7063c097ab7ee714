"""Mix points named once (mmcore.mix_points): the table equals every registered model's declaration
and the config schema's enums, and a row's ``mix_points`` string is written and read by one pair of
functions."""

import copy
from pathlib import Path

import pytest

from mmcore.artefacts.representations import SVD_SETTINGS
from mmcore.config import load_schema
from mmcore.mix_points import MIX_POINTS, mix_alpha, mixes, parse_mix_points, row_mix_points
from mmcore.runsheet import REPRESENTATION_SETTINGS, SUPERVISED_ARCHS


@pytest.fixture(scope="module")
def schema():
    return load_schema(Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml")


def test_a_rows_mix_points_are_parsed_as_written():
    assert parse_mix_points("") == () and parse_mix_points(None) == ()
    assert parse_mix_points("input,stage1") == ("input", "stage1")
    assert row_mix_points("preactresnet18", "none", ["stage1"]) == ""
    assert row_mix_points("sngan_d", "input", []) == "pixel"  # the model's input point
    written = row_mix_points("preactresnet18", "manifold", ["input", "stage1", "stage2"])
    assert written == "input,stage1,stage2" and parse_mix_points(written) == ("input", "stage1", "stage2")


def test_alpha_means_nothing_without_mixing():
    assert not mixes("none") and all(mixes(m) for m in ("input", "manifold", "factor"))
    assert mix_alpha("none", 2.0) == 0.0
    assert mix_alpha("input", 2) == 2.0 and isinstance(mix_alpha("input", 2), float)
    assert mix_alpha("factor", 0.5) == 0.5


def test_the_table_is_every_registered_models_declaration():
    """The run sheet names mix points without building models: the table must list every registered
    model, with the mix points it declares, in order."""
    from mmcore.mixup import mix_point_names
    from mmcore.models import create_model, list_models

    assert set(MIX_POINTS) == set(list_models())
    for name in list_models():
        model = create_model(name, num_classes=10, in_channels=3)
        assert mix_point_names(model) == MIX_POINTS[name], name


def schema_disagreements(schema: dict) -> list[str]:
    """Where the config schema's enums name mix points (or models) other than the table's."""
    out = []
    props = schema["properties"]
    synthetic = tuple(props["synthetic"]["properties"]["eligible_layers"]["items"]["enum"])
    if synthetic != MIX_POINTS["synthetic_cnn"]:
        out.append(f"synthetic.eligible_layers {synthetic} != synthetic_cnn's {MIX_POINTS['synthetic_cnn']}")
    gan = props["gan"]["properties"]
    layers = tuple(gan["layer_sets"]["items"]["items"]["enum"])
    for family in gan["arch"]["enum"]:
        if layers != MIX_POINTS.get(f"{family}_d"):
            out.append(f"gan.layer_sets {layers} != {family}_d's {MIX_POINTS.get(f'{family}_d')}")
    archs = schema["$defs"]["arch"]["enum"]
    if set(archs) != set(SUPERVISED_ARCHS):
        out.append(f"$defs.arch {archs} != the run sheet's supervised architectures {list(SUPERVISED_ARCHS)}")
    index = schema["$defs"]["layer_set"]["items"]
    for arch in archs:
        top = len(MIX_POINTS.get(arch, ())) - 1
        if (index["minimum"], index["maximum"]) != (0, top):
            out.append(f"$defs.layer_set indices {index['minimum']}-{index['maximum']} != {arch}'s 0-{top}")
    svd = tuple(props["representations"]["properties"]["svd"]["properties"]["settings"]["items"]["enum"])
    if svd != tuple(setting for setting, _ in SVD_SETTINGS):
        out.append(f"representations.svd.settings {svd} != the registry's {SVD_SETTINGS}")
    for setting in svd:
        model = REPRESENTATION_SETTINGS.get(setting, ("?",))[0]
        if "bottleneck" not in MIX_POINTS.get(model, ()):
            out.append(f"representations.svd.settings: {setting}'s model {model} declares no bottleneck mix point")
    return out


def test_the_schemas_enums_agree_with_the_table(schema):
    assert schema_disagreements(schema) == []


@pytest.mark.parametrize(
    "path, value",
    [
        (("properties", "synthetic", "properties", "eligible_layers", "items", "enum"), ["input", "block1", "block2"]),
        (("properties", "gan", "properties", "layer_sets", "items", "items", "enum"), ["pixel", "h1", "h2", "h3"]),
        (("properties", "gan", "properties", "arch", "enum"), ["dcgan", "sngan", "biggan"]),
        (("$defs", "arch", "enum"), ["preactresnet18", "resnet9"]),
        (("$defs", "layer_set", "items", "maximum"), 4),
        (("properties", "representations", "properties", "svd", "properties", "settings", "items", "enum"),
         ["bottleneck12_after3", "bottleneck30_after1"]),
    ],
)
def test_a_schema_enum_that_disagrees_is_caught(schema, path, value):
    changed = copy.deepcopy(schema)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert schema_disagreements(changed)
