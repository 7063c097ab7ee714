"""Sealed records: every damage a careless or hostile user did to a run's JSON or history, refused in one
sentence naming the file and the fix, never a number, a blank or a traceback."""

import json
import math

import pytest
import torch

from mmcore.errors import DivergenceError
from mmcore.io import ArtefactError
from mmcore.records import read_history, read_record, write_history, write_record
from mmcore.tables import load_json

RID = "sup-fashion_mnist-preactresnet18-none-a0-e2-s0-12345678"
OTHER = "sup-fashion_mnist-preactresnet18-input-a1-e2-s0-87654321"


def record(rid=RID, **metrics):
    values = {"test_error_final": 94.25, "test_nll_best": 0.5, "precision": "bf16",
              "fgsm": {"0": 80.0, "0.0314": 12.5}, "spectrum": [3.0, 1.5], **metrics}
    return {"run": {"run_id": rid, "seed": 0}, "metrics": values, "provenance": {"torch": "x"}}


@pytest.fixture
def metrics_json(tmp_path):
    path = tmp_path / RID / "metrics.json"
    write_record(path, record())
    return path


def edit(path, change):
    obj = json.loads(path.read_text())
    change(obj)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def one_sentence(err) -> str:
    text = str(err.value)
    assert "\n" not in text and text.endswith("delete it and run the workflow again to rebuild it")
    return text


def test_a_sealed_record_reads_back_equal(metrics_json):
    obj = read_record(metrics_json)
    assert obj["metrics"] == record()["metrics"] and obj["run"] == record()["run"]
    assert load_json(metrics_json)["metrics"]["test_error_final"] == 94.25  # what the table writers use


def test_one_digit_changed_is_refused(metrics_json):
    metrics_json.write_text(metrics_json.read_text().replace("94.25", "84.25"))  # Table 1: 94 became 84
    with pytest.raises(ArtefactError, match=r"does not match the seal its job wrote") as err:
        load_json(metrics_json)
    assert str(metrics_json) in one_sentence(err)


def test_another_runs_metrics_copied_into_the_folder_is_refused(tmp_path, metrics_json):
    other = tmp_path / OTHER / "metrics.json"
    write_record(other, record(OTHER, test_error_final=10.0))
    metrics_json.write_bytes(other.read_bytes())  # a valid seal, but not this folder's run
    with pytest.raises(ArtefactError, match=rf"belongs to run '{OTHER}', not to '{RID}' whose folder holds it"):
        load_json(metrics_json)


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda o: o["metrics"].update(test_error_final=None), r"does not match the seal"),
        (lambda o: o["metrics"].pop("test_error_final"), r"does not match the seal"),
        (lambda o: o["metrics"].update(test_error_final="94"), r"does not match the seal"),
        (lambda o: o.pop("seal"), r"carries no seal"),
    ],
)
def test_a_metric_nulled_removed_or_turned_to_text_is_refused(metrics_json, change, message):
    edit(metrics_json, change)
    with pytest.raises(ArtefactError, match=message) as err:
        load_json(metrics_json)
    one_sentence(err)


@pytest.mark.parametrize(
    "metrics,message",
    [
        ({"test_error_final": None}, r"has no value for the metric 'test_error_final' \(null\)"),
        ({"test_error_final": "94"}, r"the metric 'test_error_final' should be a number, got '94'"),
        ({"test_error_final": True}, r"should be a number, got True"),
        ({"fgsm": {"0": 80.0, "0.0314": None}}, r"has no value for the metric 'fgsm.0.0314'"),
        ({"precision": 16}, r"the metric 'precision' should be text, got 16"),
    ],
)
def test_a_sealed_record_with_a_wrong_type_is_refused_too(tmp_path, metrics, message):
    """A writer that records a wrong value seals it: the reader still refuses it by type."""
    path = tmp_path / RID / "metrics.json"
    write_record(path, record(**metrics))
    with pytest.raises(ArtefactError, match=message) as err:
        load_json(path)
    one_sentence(err)


def test_a_missing_metric_is_one_sentence_not_a_key_error(tmp_path):
    path = tmp_path / RID / "metrics.json"
    write_record(path, record())
    metrics = load_json(path)["metrics"]
    with pytest.raises(ArtefactError, match=r"lacks the metric 'test_error_best' that its writer records"):
        metrics["test_error_best"]
    assert "test_error_best" not in metrics and metrics.get("test_error_best") is None  # a writer may ask


def test_nan_is_a_number(tmp_path):
    path = tmp_path / RID / "metrics.json"
    write_record(path, record(test_top5_best=math.nan))
    assert math.isnan(load_json(path)["metrics"]["test_top5_best"])


# ---- history.csv ----------------------------------------------------------------------------------------


@pytest.fixture
def history_csv(tmp_path):
    rows = [{"step": 5 * e, "train_loss": 1.0 / e, "epoch": e} for e in range(1, 6)]
    path = tmp_path / RID / "history.csv"
    write_history(path, rows, RID)
    return path


def test_a_sealed_history_reads_back_equal(history_csv):
    table = read_history(history_csv)
    assert table["epoch"].tolist() == [1, 2, 3, 4, 5] and table["train_loss"].iloc[-1] == 0.2


def test_a_history_cut_at_a_line_boundary_is_refused(history_csv):
    lines = history_csv.read_bytes().splitlines(keepends=True)
    history_csv.write_bytes(b"".join(lines[:3]))  # Figure 6's final loss would come from epoch 2
    with pytest.raises(ArtefactError, match=r"does not end with its seal \(cut short") as err:
        read_history(history_csv)
    one_sentence(err)
    history_csv.write_bytes(b"".join(lines[:3] + lines[-1:]))  # the seal line kept, rows cut
    with pytest.raises(ArtefactError, match=r"does not match the seal its job wrote \(rows changed or cut since\)"):
        read_history(history_csv)


def test_a_history_with_a_changed_digit_or_of_another_run_is_refused(tmp_path, history_csv):
    original = history_csv.read_bytes()
    history_csv.write_bytes(original.replace(b"0.25", b"0.35"))
    with pytest.raises(ArtefactError, match=r"does not match the seal"):
        read_history(history_csv)
    other = tmp_path / OTHER / "history.csv"
    other.parent.mkdir()
    other.write_bytes(original)
    with pytest.raises(ArtefactError, match=rf"belongs to run '{RID}', not to '{OTHER}'"):
        read_history(other)


# ---- the GAN loop's divergence guard ---------------------------------------------------------------------


def test_a_gan_with_an_absurd_learning_rate_stops_in_one_sentence():
    """gan.lr 1e6 used to finish with a D loss of 9.6e6 and report IS, FID and KID; now the loop stops it."""
    from mmcore.gan.loop import GanConfig, train_gan
    from mmcore.models import create_model
    from mmcore.models.gan import create_generator

    class Reals:
        def __init__(self):
            self.g = torch.Generator().manual_seed(0)

        def next_batch(self):
            return type("B", (), {"x": torch.rand(8, 1, 28, 28, generator=self.g) * 2 - 1})()

        def state_dict(self):
            return {}

        def load_state_dict(self, state):
            pass

    torch.manual_seed(0)
    G = create_generator("dcgan", width=8, out_channels=1, image_size=28, z_dim=8)
    D = create_model("dcgan_d", width=8, in_channels=1, image_size=28)
    cfg = GanConfig(g_steps=20, batch_size=8, g_batch_size=8, lr=1e6, log_every=1)
    with pytest.raises(DivergenceError, match=r"^toy diverged at step \d+ of 20: the (generator|discriminator) loss "
                       r"(reached .* above 100|became (nan|inf))") as err:
        train_gan(G, D, Reals(), cfg, seed=0, name="toy")
    assert "lower the learning rate (now 1e+06)" in str(err.value)


def test_a_healthy_gan_is_not_stopped():
    from mmcore.gan.loop import GanConfig, train_gan
    from mmcore.models import create_model
    from mmcore.models.gan import create_generator

    class Reals:
        def next_batch(self):
            return type("B", (), {"x": torch.zeros(8, 1, 28, 28)})()

        def state_dict(self):
            return {}

        def load_state_dict(self, state):
            pass

    torch.manual_seed(0)
    G = create_generator("dcgan", width=8, out_channels=1, image_size=28, z_dim=8)
    D = create_model("dcgan_d", width=8, in_channels=1, image_size=28)
    history = train_gan(G, D, Reals(), GanConfig(g_steps=5, batch_size=8, g_batch_size=8, log_every=1), seed=0)
    assert len(history) == 5 and all(row["d_loss"] < 100 for row in history)
