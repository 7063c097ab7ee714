"""Registry contracts, tested over every registered model (a new model is covered for free)."""

import pytest
import torch

from mmcore.errors import UserError
from mmcore.mixup import MixParams, mix_point_names, mixing
from mmcore.models import create_model, list_models, register_model
from mmcore.models.gan import create_generator, split_gan_settings

pytestmark = pytest.mark.filterwarnings("error")

# Per model: constructor kwargs and an input batch shape.
MNIST = (dict(num_classes=10, in_channels=1), (3, 1, 28, 28))
SPECS = {
    "synthetic_cnn": (dict(num_classes=2, in_channels=1), (3, 1, 64, 64)),
    "mlp_bottleneck": MNIST,
    "mlp_bottleneck2": MNIST,
    "mlp_bottleneck12_after3": MNIST,
    "mlp_bottleneck30_after3": MNIST,
    "mlp_bottleneck30_after1": MNIST,
    "preactresnet18": (dict(num_classes=10), (2, 3, 32, 32)),
    "preactresnet34": (dict(num_classes=10), (2, 3, 32, 32)),
    "preactresnet50": (dict(num_classes=10), (2, 3, 32, 32)),
    "wrn28_10": (dict(num_classes=10), (2, 3, 32, 32)),
    "wrn28_2": (dict(num_classes=10), (2, 3, 32, 32)),
    "feature_cnn": MNIST,
    # Appendix E's discriminators: one logit per image; their input point is named "pixel" (the paper's name).
    "dcgan_d": (dict(num_classes=1, in_channels=1), (3, 1, 28, 28)),
    "sngan_d": (dict(num_classes=1), (2, 3, 32, 32)),
}
INPUT_POINT = {"dcgan_d": "pixel", "sngan_d": "pixel"}


def test_every_registered_model_has_a_spec():
    assert set(list_models()) == set(SPECS)


@pytest.mark.parametrize("name", list_models())
def test_forward_shape_and_mix_points(name):
    kwargs, shape = SPECS[name]
    model = create_model(name, **kwargs)
    x = torch.rand(shape)
    out = model(x)
    assert out.shape == (shape[0], kwargs["num_classes"]) and torch.isfinite(out).all()
    points = mix_point_names(model)
    assert points[0] == INPUT_POINT.get(name, "input")
    for point in points:  # mixing works at every declared point and backpropagates
        p = MixParams(lam=torch.tensor(0.5), perm=torch.arange(shape[0]).flip(0), point=point)
        with mixing(model, p):
            model(x).sum().backward()


def test_synthetic_cnn_layout():
    model = create_model("synthetic_cnn", num_classes=2, in_channels=1)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [32, 64, 128, 256]
    assert all(c.kernel_size == (5, 5) and c.stride == (2, 2) for c in convs)
    assert model.head.in_features == 4096
    assert mix_point_names(model) == ("input", "block1", "block2", "block3")


def test_registry_errors():
    with pytest.raises(ValueError, match="unknown model 'resnet9000'; available: dcgan_d, feature_cnn, mlp_bottleneck, "):
        create_model("resnet9000")
    with pytest.raises(ValueError, match="already registered"):

        @register_model
        def synthetic_cnn():  # noqa: F811
            pass


@pytest.mark.parametrize("name", list_models())
def test_an_unknown_setting_is_refused_in_one_sentence_naming_it(name):
    """A typo in a model setting used to pass silently (the GAN factories swallowed it) or end in a
    TypeError traceback; now every factory refuses it as a user error that names it."""
    kwargs, _ = SPECS[name]
    with pytest.raises(UserError) as err:
        create_model(name, **kwargs, widht=8)
    message = str(err.value)
    assert message.startswith(f"model {name}: unknown setting(s) 'widht'; known: ") and "\n" not in message
    assert "num_classes" in message


def test_gan_factories_refuse_unknown_settings_and_split_the_shared_ones():
    with pytest.raises(UserError, match=r"^generator dcgan: unknown setting\(s\) 'widht'; known: width, "):
        create_generator("dcgan", widht=8)
    with pytest.raises(UserError, match=r"^model sngan_d: unknown setting\(s\) 'z_dim'; known: variant, "):
        create_model("sngan_d", z_dim=62)
    # One run's settings serve both networks: each goes where it is taken, and a typo is refused.
    shared = {"width": 8, "in_channels": 1, "out_channels": 1, "image_size": 28, "z_dim": 16}
    g, d = split_gan_settings("dcgan", shared)
    assert g == {"width": 8, "out_channels": 1, "image_size": 28, "z_dim": 16}
    assert d == {"width": 8, "in_channels": 1, "image_size": 28}
    assert create_generator("dcgan", **g).z_dim == 16 and create_model("dcgan_d", **d) is not None
    assert split_gan_settings("sngan", {"variant": "miyato", "in_channels": 3, "out_channels": 3}) == (
        {"variant": "miyato", "out_channels": 3}, {"variant": "miyato", "in_channels": 3}
    )
    with pytest.raises(UserError, match=r"^GAN dcgan \(generator and discriminator\): unknown setting\(s\) 'zdim'"):
        split_gan_settings("dcgan", {**shared, "zdim": 16})


def _linear_sizes(model):
    return [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, torch.nn.Linear)]


@pytest.mark.parametrize(
    "name,sizes",
    [
        ("mlp_bottleneck2", [(784, 1024), (1024, 1024), (1024, 2), (2, 1024), (1024, 1024), (1024, 10)]),
        (
            "mlp_bottleneck12_after3",
            [(784, 1024), (1024, 1024), (1024, 1024), (1024, 12)]
            + [(12, 1024), (1024, 1024), (1024, 1024), (1024, 1024), (1024, 10)],
        ),
        (
            "mlp_bottleneck30_after3",
            [(784, 1024), (1024, 1024), (1024, 1024), (1024, 30)]
            + [(30, 1024), (1024, 1024), (1024, 1024), (1024, 1024), (1024, 10)],
        ),
        (
            "mlp_bottleneck30_after1",
            [(784, 1024), (1024, 30), (30, 1024), (1024, 1024), (1024, 1024), (1024, 1024), (1024, 10)],
        ),
    ],
)
def test_bottleneck_mlp_layer_sizes(name, sizes):
    model = create_model(name, num_classes=10, in_channels=1)
    assert _linear_sizes(model) == sizes
    assert mix_point_names(model) == ("input", "bottleneck")
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in model.modules())


def test_figure5_code_layout_option():
    """The authors' Figure 5 script: three layers before and BatchNorm on the 2-D bottleneck."""
    model = create_model("mlp_bottleneck2", num_classes=10, n_before=3, bottleneck_bn=True)
    assert _linear_sizes(model)[:4] == [(784, 1024), (1024, 1024), (1024, 1024), (1024, 2)]
    assert isinstance(model.bottleneck[1], torch.nn.BatchNorm1d)
    h = model.eval().forward_features(torch.rand(5, 1, 28, 28))
    assert h.shape == (5, 2)


@pytest.mark.parametrize(
    "name,num_classes,params",
    [
        ("preactresnet18", 10, 11_171_146),  # the paper's "about 11.17 M"
        ("preactresnet18", 100, 11_217_316),
        ("preactresnet34", 10, 21_279_306),
        ("preactresnet34", 100, 21_325_476),
        ("preactresnet50", 100, 23_693_476),
        ("wrn28_10", 10, 36_489_290),
        ("wrn28_10", 100, 36_546_980),
        ("preactresnet18", 200, 11_268_616),  # Tiny-ImageNet head
    ],
)
def test_parameter_counts(name, num_classes, params):
    model = create_model(name, num_classes=num_classes)
    assert sum(p.numel() for p in model.parameters()) == params


def _point_shapes(model, x):
    """Shape of the tensor each declared mix point would mix, from forward hooks on the named modules."""
    shapes = {"input": tuple(x.shape[1:])}
    handles = [
        model.get_submodule(p.module).register_forward_hook(
            lambda _m, _a, out, name=p.name: shapes.__setitem__(name, tuple(out.shape[1:]))
        )
        for p in model.mix_points
        if p.module
    ]
    model(x)
    for h in handles:
        h.remove()
    return shapes


@pytest.mark.parametrize(
    "name,stem_stride,size,expected",
    [
        ("preactresnet18", 1, 32, {"stage1": (64, 32, 32), "stage2": (128, 16, 16), "stage3": (256, 8, 8)}),
        ("preactresnet34", 1, 32, {"stage1": (64, 32, 32), "stage2": (128, 16, 16), "stage3": (256, 8, 8)}),
        ("preactresnet50", 1, 32, {"stage1": (256, 32, 32), "stage2": (512, 16, 16), "stage3": (1024, 8, 8)}),
        ("wrn28_10", 1, 32, {"stage1": (160, 32, 32), "stage2": (320, 16, 16), "stage3": (640, 8, 8)}),
        ("preactresnet18", 2, 64, {"stage1": (64, 32, 32), "stage2": (128, 16, 16), "stage3": (256, 8, 8)}),
    ],
)
def test_mix_point_shapes(name, stem_stride, size, expected):
    """reference.md section 2: what is mixed at k = 0, 1, 2 (and 3) for 32x32 and Tiny-ImageNet inputs."""
    model = create_model(name, num_classes=10, stem_stride=stem_stride).eval()
    with torch.no_grad():
        shapes = _point_shapes(model, torch.rand(2, 3, size, size))
    assert shapes == {"input": (3, size, size), **expected}


@pytest.mark.parametrize("name", list_models())
def test_lambda_one_at_any_point_equals_the_plain_forward(name):
    kwargs, shape = SPECS[name]
    model = create_model(name, **kwargs).eval()
    x = torch.rand(shape)
    with torch.no_grad():
        plain = model(x)
        for point in mix_point_names(model):
            p = MixParams(lam=torch.tensor(1.0), perm=torch.arange(shape[0]).flip(0), point=point)
            with mixing(model, p):
                torch.testing.assert_close(model(x), plain)
