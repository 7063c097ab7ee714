"""Aggregation, the table writers of the registry, the scale labels, and the HTML report's front page."""

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from mmcore.artefacts import ARTEFACTS, writer_of
from mmcore.records import write_record
from mmcore.report import aggregate, write_table
from mmcore.scale import representations_scale, synthetic_scale
from mmcore.scorecard import SCORECARD_COLUMNS, counts, headline

ROOT = Path(__file__).resolve().parents[1]


def test_aggregate_against_numpy():
    rows = [{"g": "a", "v": v} for v in (1.0, 2.0, 4.0)] + [{"g": "b", "v": 3.0}]
    out = aggregate(rows, ["g"], ["v"]).set_index("g")
    assert out.loc["a", "n_seeds"] == 3
    assert np.isclose(out.loc["a", "v_mean"], np.mean([1, 2, 4]))
    assert np.isclose(out.loc["a", "v_std"], np.std([1, 2, 4], ddof=1))
    assert np.isnan(out.loc["b", "v_std"])  # one seed: no spread to report


def test_aggregate_keeps_each_seeds_value_at_full_precision():
    """Rows with a seed give each value a ``*_seeds`` column of seed:value pairs, in seed order; the mean
    and std columns are as without it."""
    from mmcore.report import parse_per_seed

    rows = [{"g": "a", "seed": s, "v": v} for s, v in ((2, 0.1 + 0.2), (0, 1.0), (1, float("nan")))]
    rows += [{"g": "b", "seed": 0, "v": 3.0}, {"g": "c", "seed": None, "v": 1.0}, {"g": "c", "seed": 1, "v": 2.0}]
    out = aggregate(rows, ["g"], ["v"]).set_index("g")
    assert out.loc["a", "v_seeds"] == "0:1.0;2:0.30000000000000004"  # NaN left out, as the mean leaves it
    assert parse_per_seed(out.loc["a", "v_seeds"]) == [(0, 1.0), (2, 0.1 + 0.2)]
    assert out.loc["b", "v_seeds"] == "0:3.0" and out.loc["c", "v_seeds"] == ""  # a seed unknown: none
    assert list(out.columns) == ["n_seeds", "v_mean", "v_std", "v_seeds"]
    plain = aggregate([{k: v for k, v in r.items() if k != "seed"} for r in rows], ["g"], ["v"]).set_index("g")
    assert list(plain.columns) == ["n_seeds", "v_mean", "v_std"]
    pd.testing.assert_frame_equal(out[["n_seeds", "v_mean", "v_std"]], plain)


def test_per_seed_columns_are_csv_only(tmp_path):
    df = pd.DataFrame([{"method": "none", "n_seeds": 2, "v_mean": 1.5, "v_std": 0.7, "v_seeds": "0:1.0;1:2.0"}])
    write_table(df, tmp_path / "t.csv", tmp_path / "t.md", "T", [])
    assert pd.read_csv(tmp_path / "t.csv")["v_seeds"].tolist() == ["0:1.0;1:2.0"]
    md = (tmp_path / "t.md").read_text()
    assert "v_seeds" not in md and "0:1.0" not in md and "n_seeds" in md  # n_seeds is a count: shown


def test_every_aggregated_table_declares_its_per_seed_columns():
    from mmcore.artefacts import with_seeds

    for art in ARTEFACTS.values():
        if art.kind == "table":
            assert art.columns == with_seeds(c for c in art.columns if not c.endswith("_seeds") or c == "n_seeds")


def _write_runs(tmp_path, values: dict[str, dict]) -> dict[str, str]:
    """metrics.json of hand-made runs, as the training jobs write them; run id -> path."""
    files = {}
    for rid, metrics in values.items():
        path = tmp_path / rid / "metrics.json"
        path.parent.mkdir(parents=True)
        write_record(path, {"run": {"run_id": rid}, "metrics": metrics})
        files[rid] = str(path)
    return files


def _table(name, cells, files, tmp_path, scale="reduced: test"):
    art = ARTEFACTS[name]
    df = writer_of(art)(art, cells, files, scale, art.options_of({"synthetic": {"seeds": [0, 1]}}) if name == "table8" else {})
    return df[list(art.columns)]


def test_table8_contract_and_paper_values(tmp_path):
    values = [("none", 0.0, 60.0, 2.0), ("input", 1.0, 65.0, 1.0), ("factor", 1.0, 90.0, 0.3)]
    cells, metrics = [], {}
    for m, a, acc, nll in reversed(values):  # written out of order: the table sorts methods
        ids = [f"syn-{m}-s{s}" for s in (0, 1)]
        cells.append({"task": "C", "method": m, "alpha": a, "run_ids": ids, "seeds": [0, 1]})
        for i, rid in enumerate(ids):
            metrics[rid] = {"test_acc": acc + i, "test_nll": nll}
    t = _table("table8", cells, _write_runs(tmp_path, metrics), tmp_path)
    assert list(t["method"]) == ["none", "input", "factor"]
    row = t.set_index("method").loc["factor"]
    assert row["n_seeds"] == 2 and row["test_acc_mean"] == 90.5
    assert np.isclose(row["test_acc_std"], np.std([90.0, 91.0], ddof=1))
    assert row["paper_test_acc"] == 99.06 and row["paper_test_nll"] == 0.1279
    write_table(t, tmp_path / "t.csv", tmp_path / "t.md", "Table 8", ["Scale: reduced: test"])
    back = pd.read_csv(tmp_path / "t.csv")
    assert list(back.columns) == list(ARTEFACTS["table8"].columns)
    assert "Scale: reduced: test" in (tmp_path / "t.md").read_text()


def test_scale_label():
    paper = {"iterations": 1000, "batch_size": 128, "lr": 1e-4}
    assert synthetic_scale(paper) == "paper"
    label = synthetic_scale(dict(paper, iterations=100))
    assert label.startswith("reduced") and "iterations 100 (paper 1000)" in label


def test_svd_and_bottleneck2d_tables(tmp_path):
    cells, metrics = [], {}
    for meth, rest in (("manifold", 2.0), ("none", 8.0)):
        ids = [f"rep-{meth}-s{s}" for s in (0, 1)]
        cells.append({"setting": "bottleneck12_after3", "classes": "0-9", "method": meth, "run_ids": ids,
                      "seeds": [0, 1]})
        for s, rid in enumerate(ids):
            metrics[rid] = dict(first_sv=10.0 + s, rest_sv_sum=rest, overall_first_sv=30.0 + s,
                                overall_rest_sv_sum=50.0, rest_over_first=0.1, test_acc=90.0)
    svd = _table("svd_flattening", cells, _write_runs(tmp_path / "svd", metrics), tmp_path)
    assert list(svd["method"]) == ["none", "manifold"]
    row = svd.set_index("method").loc["manifold"]
    assert row["first_sv_mean"] == 10.5 and row["rest_sv_sum_mean"] == 2.0 and row["paper_rest_sv_sum"] == 40.98
    assert row["overall_first_sv_mean"] == 30.5 and row["overall_first_sv_seeds"] == "0:30.0;1:31.0"
    assert row["rest_over_overall_seeds"] == "0:0.04;1:0.04"  # 2 / 50 per seed
    files = _write_runs(tmp_path / "b2d", {"rep-a": {"tightness": 0.3, "test_acc": 80.0}})
    b2d = _table("bottleneck2d", [{"classes": "0-4", "method": "none", "run_ids": ["rep-a"]}], files, tmp_path)
    assert b2d.loc[0, "tightness_mean"] == 0.3


def test_a_run_shared_by_two_cells_counts_in_both(tmp_path):
    """Under a stand-in, CIFAR-10's and CIFAR-100's cells point at the same run: one row each."""
    files = _write_runs(tmp_path, {"sup-x": {"test_error_best": 10.0, "test_error_final": 12.0, "test_nll_best": 0.5,
                                           "test_error_full": 12.5, "test_nll_full": 0.6}})
    cells = [
        {"dataset": d, "arch": "preactresnet18", "method": "none", "alpha": 0.0, "layers": "", "detach": False,
         "run_ids": ["sup-x"]}
        for d in ("cifar10", "cifar100")
    ]
    t = _table("table1", cells, files, tmp_path)
    assert list(t["dataset"]) == ["cifar10", "cifar100"] and list(t["test_error_best_mean"]) == [10.0, 10.0]
    assert list(t["paper_value"]) == [4.83, 24.01]  # each row keeps its own dataset's paper value


def test_representations_scale_label():
    paper = {"dataset": "mnist", "train_size": None, "epochs": 30}
    assert representations_scale(paper) == "paper"
    label = representations_scale({"dataset": "fashion_mnist", "train_size": 10000, "epochs": 2})
    assert "fashion_mnist stands in for mnist" in label and "10000 training images" in label


def test_the_regime_is_measured_on_every_run_whatever_its_method(tmp_path):
    """Each table says whether every run behind it is a trained network, the mixup runs held to the same
    criterion as the baseline: the lowest value per method, in a column (which the scorecard copies) and
    a note."""
    metrics = {"n0": {"test_acc": 1.0, "test_nll": 1.0, "train_dist_acc": 99.5},
               "n1": {"test_acc": 1.0, "test_nll": 1.0, "train_dist_acc": 99.25},
               "f0": {"test_acc": 1.0, "test_nll": 1.0, "train_dist_acc": 50.0}}  # an undertrained mixup run
    cells = [{"task": "A", "method": "none", "alpha": 0.0, "run_ids": ["n0", "n1"]},
             {"task": "A", "method": "factor", "alpha": 1.0, "run_ids": ["f0"]}]
    art = ARTEFACTS["table8"]
    df = writer_of(art)(art, cells, _write_runs(tmp_path, metrics), "x", {"seeds": [0, 1]})
    want = ("NOT met: accuracy on the training distribution >= 99 % for every run; lowest per method: "
            "none 99.2 % (2 runs), factor 50.0 % (1 run)")
    assert set(df["regime"]) == {want} and df.attrs["notes"] == [f"Regime: {want}."]
    metrics["f0"]["train_dist_acc"] = 99.0
    df = writer_of(art)(art, cells, _write_runs(tmp_path / "ok", metrics), "x", {"seeds": [0, 1]})
    assert df.loc[0, "regime"].startswith("met: ") and "factor 99.0 % (1 run)" in df.loc[0, "regime"]


# ---- the HTML report's front page (report/workflow.rst) ------------------------------------------------

# The link targets Snakemake 9 appends to the description before rendering it (snakemake.report.auto_report).
_RST_LINKS = """

.. _Workflow: javascript:show_panel('workflow')
.. _Statistics: javascript:show_panel('statistics')
{% for cat, catresults in categories|dictsort %}
.. _{{ cat.name }}: javascript:app.showCategory('{{ cat.name|urlencode }}')
{% endfor %}
{% for res in files %}
.. _{{ res.target }}: javascript:app.showResultInfo('{{ res.path|urlencode }}')
{% endfor %}
"""


def render_front_page(files: list) -> str:
    """report/workflow.rst as `snakemake --report` renders it: Jinja2 (trim_blocks, lstrip_blocks) over the
    text and the link targets of the report's results, then docutils to HTML."""
    from docutils.core import publish_parts
    from jinja2 import Environment

    text = (ROOT / "report" / "workflow.rst").read_text() + _RST_LINKS
    config = SimpleNamespace(config={})
    rst = Environment(trim_blocks=True, lstrip_blocks=True).from_string(text).render(
        snakemake=config, categories={}, files=files
    )
    return publish_parts(rst, writer="html")["html_body"]


def _scorecard(tmp_path: Path, verdicts: list[tuple[str, str]]) -> list:
    """A hand-made scorecard written as rule report_summary writes it (its headline the first note), and
    the report's results that name it; ``verdicts``: (verdict, same_runs_as) per claim."""
    card = pd.DataFrame(
        [dict.fromkeys(SCORECARD_COLUMNS, "") | {"claim": f"claim {i}", "verdict": v, "same_runs_as": same}
         for i, (v, same) in enumerate(verdicts)],
        columns=SCORECARD_COLUMNS,
    )
    tables = tmp_path / "results" / "tables"
    tables.mkdir(parents=True)
    write_table(card, tables / "scorecard.csv", tables / "scorecard.md", "Reproduction scorecard",
                [headline(card), "Each claim compares two rows of one table."])
    return [SimpleNamespace(target=p.name, path=p) for p in (tables / "scorecard.csv", tables / "scorecard.md")]


def _paragraphs(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p>(.*?)</p>", html, flags=re.S)]


def test_the_front_page_opens_with_this_runs_verdict_counts_and_a_link_to_the_scorecard(tmp_path):
    # 3 holds (one more claim on the same runs as claim 0, counted once), 1 reversed, 2 inconclusive
    verdicts = [("holds", ""), ("holds", ""), ("reversed", ""), ("holds", "claim 0"), ("inconclusive", ""),
                ("holds", ""), ("inconclusive", "")]
    html = render_front_page(_scorecard(tmp_path, verdicts))
    assert '<h1 class="title">Did the paper reproduce?</h1>' in html
    first = _paragraphs(html)[0]  # the first thing under the title, left of the rule graph
    assert "7 claims on 6 distinct comparisons: holds 3, reversed 1, inconclusive 2." in first
    link = re.search(r"""href="javascript:app\.showResultInfo\('([^']+)'\)">reproduction scorecard</a>""", html)
    assert link and link.group(1) == str(tmp_path / "results" / "tables" / "scorecard.md")
    assert html.index("holds 3") < link.start() < html.index("Reproduction of")


def test_the_front_page_counts_are_read_from_the_run_not_written_in_the_page(tmp_path):
    html = render_front_page(_scorecard(tmp_path, [("reversed", "")] * 4 + [("holds", "")]))
    assert "Verdicts of 5 claims: holds 1, reversed 4, inconclusive 0." in _paragraphs(html)[0]


def test_a_report_without_a_scorecard_says_so(tmp_path):
    html = render_front_page([])
    assert "has no scorecard" in _paragraphs(html)[0] and "holds" not in html


@pytest.mark.integration
def test_the_html_report_of_a_run_opens_with_its_scorecard_counts(tmp_path):
    """A real `snakemake --report` of a small run (Table 8's claims only: a few seconds of training)."""
    from test_workflow import WORKFLOW_FILES, snakemake

    for name in WORKFLOW_FILES:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    off = {"enabled": False}
    small = {
        "synthetic": {"tasks": ["A"], "methods": ["none", "input", "factor"], "iterations": 3, "batch_size": 8,
                      "seeds": [0, 1], "test_size": 32, "figure4_examples": 2},
        "representations": {"figure5": {"class_subsets": []}, "svd": {"settings": []}},
        "supervised": {b: off for b in ("table1", "table2", "table3", "table5", "table6", "alpha_grid", "loss_curves")},
        "robustness": {b: off for b in ("table9", "fgsm", "pgd")},
        "gan": off,
    }
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(small))
    snakemake(tmp_path, "--configfile", "small.yaml")
    snakemake(tmp_path, "--report", "report.html", "--configfile", "small.yaml")
    html = (tmp_path / "report.html").read_text()
    desc = json.loads(re.search(r"var workflow_desc = (.*);\n", html).group(1))
    n = counts(pd.read_csv(tmp_path / "results" / "tables" / "scorecard.csv", keep_default_na=False))
    assert sum(n.values()) == 3  # Table 8's claims on task A
    want = f"holds {n['holds']}, reversed {n['reversed']}, inconclusive {n['inconclusive']}."
    assert want in _paragraphs(desc)[0]
    assert "javascript:app.showResultInfo('results/tables/scorecard.md')" in desc
