"""IS, FID and KID of generated samples, through torch-fidelity (never computed by hand here).

Why torch-fidelity 0.4.0 (gan.md section 5): it computes all three metrics in one pass over the features,
its Inception (``inception-v3-compat``) is the TF 2015-12-05 graph that the published IS/FID values use,
with the TF1-compatible resize; it loads those weights from a local file (``feature_extractor_weights_path``)
for *every* metric; and it accepts a custom feature extractor, which the offline default needs.
torchmetrics' ``feature_extractor_weights_path`` works for FID only and its IS draws an unseeded split
permutation. Its only extra dependency is tqdm.

Two kinds of features (``features``):

* ``inception``: the standard Inception weights from a local file named in the config; a missing file
  stops the job with one sentence saying which file and where to put it. Only with ``allow_download`` and
  no file does torch-fidelity fetch the weights.
* ``classifier``: the penultimate layer (FID, KID) and the logits (IS) of a classifier the workflow trains
  on the stand-in data (rule ``gan_classifier_train``), registered with torch-fidelity as the feature
  extractor ``mmcore-classifier`` and loaded, verified, from that run's sealed ``model.pt``. These numbers
  are *classifier-based* IS / FID / KID, not Inception values, and every output says so
  (:func:`mmcore.gan.labels.metric_label`).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ..checkpoint import load_trained
from ..data.datasets import dataset_spec
from ..errors import UserError
from ..models import create_model
from .labels import metric_label  # noqa: F401  (re-exported)

__all__ = [
    "FEATURES",
    "CLASSIFIER_EXTRACTOR",
    "INCEPTION_WEIGHTS_FILE",
    "metric_label",
    "load_classifier",
    "score_samples",
    "inception_score",
    "frechet_distance",
]

FEATURES = ("classifier", "inception")
CLASSIFIER_EXTRACTOR = "mmcore-classifier"
#: torch-fidelity's Inception weights file (its GitHub release v0.2.0); gan.md section 5.
INCEPTION_WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"


def _fidelity():
    import torch_fidelity  # here: the workflow parses without it

    return torch_fidelity


def inception_score(logits: torch.Tensor, splits: int = 10) -> tuple[float, float]:
    """(mean, std over splits) of exp(E KL(p(y|x) || p(y))) from logits, by torch-fidelity's ISC."""
    from torch_fidelity.metric_isc import isc_features_to_metric

    out = isc_features_to_metric(logits.double(), splits=splits)
    return out["inception_score_mean"], out["inception_score_std"]


def frechet_distance(f1: torch.Tensor, f2: torch.Tensor) -> float:
    """The Fréchet distance between Gaussians fitted to two feature sets, by torch-fidelity's FID."""
    from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

    s1, s2 = fid_features_to_statistics(f1.double()), fid_features_to_statistics(f2.double())
    return fid_statistics_to_metric(s1, s2, verbose=False)["frechet_inception_distance"]


def load_classifier(model_path: str | Path, device: torch.device):
    """The trained feature classifier (rule ``gan_classifier_train``) in eval mode and its run row,
    verified against its sha256."""
    state = load_trained(model_path, None, device)
    run = state["run"]
    spec = dataset_spec(run["dataset"])
    model = create_model(run["model"], num_classes=spec.num_classes, **json.loads(run["model_kwargs"]))
    model.load_state_dict(state["model"])
    return model.to(device).eval().requires_grad_(False), run


class _Images(torch.utils.data.Dataset):
    """uint8 (N, C, H, W) images as torch-fidelity reads them; ``rgb`` repeats one channel three times."""

    def __init__(self, x: torch.Tensor, rgb: bool = False):
        self.x = x if x.ndim == 4 else x.unsqueeze(1)
        self.rgb = rgb and self.x.shape[1] == 1

    def __len__(self) -> int:
        return self.x.shape[0]

    def __getitem__(self, i):
        img = self.x[i]
        return img.expand(3, -1, -1).contiguous() if self.rgb else img


def _register_classifier() -> None:
    tf = _fidelity()
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

    if CLASSIFIER_EXTRACTOR in FEATURE_EXTRACTORS_REGISTRY:
        return

    class ClassifierFeatures(tf.FeatureExtractorBase):
        """A trained classifier of this workflow: ``penultimate`` (FID, KID) and ``logits`` (IS)."""

        def __init__(self, name, features_list, **kwargs):
            super().__init__(name, features_list)
            path = kwargs.get("feature_extractor_weights_path")
            self.model, run = load_classifier(path, torch.device("cpu"))
            spec = dataset_spec(run["dataset"])
            self.mean, self.std = spec.mean, spec.std

        @staticmethod
        def get_provided_features_list():
            return "penultimate", "logits"

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return {"isc": "logits", "fid": "penultimate", "kid": "penultimate", "prc": "penultimate"}[metric]

        @staticmethod
        def can_be_compiled():
            return False

        def forward(self, x):
            from ..data.loader import normalise

            h = self.model.forward_features(normalise(x, self.mean, self.std).to(next(self.model.parameters()).device))
            feats = {"penultimate": h.float(), "logits": self.model.forward_head(h).float()}
            return tuple(feats[f] for f in self.features_list)

    tf.register_feature_extractor(CLASSIFIER_EXTRACTOR, ClassifierFeatures)


def score_samples(
    samples: torch.Tensor,
    reference: torch.Tensor,
    *,
    features: str,
    weights_path: str | Path | None,
    allow_download: bool = False,
    isc_splits: int = 10,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    device: str | torch.device = "cpu",
    batch_size: int = 200,
) -> dict:
    """IS (on ``samples``), FID and KID (``samples`` against ``reference``), uint8 images in.

    ``weights_path``: the Inception weights file (``features="inception"``) or the classifier run's
    ``model.pt`` (``features="classifier"``). Returns ``is``, ``is_split_std``, ``fid``, ``kid``,
    ``kid_subset_std`` and ``features``; KID's subset size is cut to the smaller sample count.
    """
    if features not in FEATURES:
        raise ValueError(f"features: expected one of {', '.join(FEATURES)}, got {features!r}")
    tf = _fidelity()
    if features == "inception":
        name = "inception-v3-compat"
        if weights_path is None and not allow_download:
            raise UserError(
                "config.gan.feature_extractor_weights_path is not set: download torch-fidelity's "
                f"{INCEPTION_WEIGHTS_FILE} (GitHub release v0.2.0 of toshas/torch-fidelity) on a machine with "
                "internet, copy it here and name its path there (or set config.gan.allow_download: true)"
            )
        if weights_path is not None and not Path(weights_path).is_file():
            raise UserError(
                f"the Inception weights file {weights_path} (config.gan.feature_extractor_weights_path) does not "
                f"exist: put torch-fidelity's {INCEPTION_WEIGHTS_FILE} (GitHub release v0.2.0 of "
                "toshas/torch-fidelity) at that path"
            )
    else:
        name = CLASSIFIER_EXTRACTOR
        _register_classifier()
    m = min(int(kid_subset_size), samples.shape[0], reference.shape[0])
    out = tf.calculate_metrics(
        input1=_Images(samples, rgb=features == "inception"),
        input2=_Images(reference, rgb=features == "inception"),
        isc=True,
        fid=True,
        kid=True,
        feature_extractor=name,
        feature_extractor_weights_path=None if weights_path is None else str(weights_path),
        isc_splits=int(isc_splits),
        kid_subsets=int(kid_subsets),
        kid_subset_size=m,
        cuda=torch.device(device).type == "cuda",
        batch_size=batch_size,
        cache=False,
        save_cpu_ram=True,
        verbose=False,
        datasets_download=False,
    )
    return {
        "is": out["inception_score_mean"],
        "is_split_std": out["inception_score_std"],
        "fid": out["frechet_inception_distance"],
        "kid": out["kernel_inception_distance_mean"],
        "kid_subset_std": out["kernel_inception_distance_std"],
        "kid_subset_size": m,
        "features": features,
    }
