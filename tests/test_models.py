"""Registry contracts, tested over every registered model (a new model is covered for free)."""

import pytest
import torch

from mmcore.mixup import MixParams, mix_point_names, mixing
from mmcore.models import create_model, list_models, register_model

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
}


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
    assert points[0] == "input"
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
    with pytest.raises(ValueError, match="unknown model 'resnet9000'; available: mlp_bottleneck, "):
        create_model("resnet9000")
    with pytest.raises(ValueError, match="already registered"):

        @register_model
        def synthetic_cnn():  # noqa: F811
            pass


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
