"""The artefact registry (mmcore.artefacts): its order, its documented fields, and what its families
declare once."""

import dataclasses
import re

import pytest

from mmcore.artefacts import ARTEFACTS, Artefact, method_alphas, register
from mmcore.artefacts.representations import SVD_SETTINGS

#: The paper's order, which is the report's: appendix A, B/G, section 5.1 / appendix C, 5.2 / D, E.
PAPER_ORDER = [
    "table8", "figure4",
    "bottleneck2d", "figure5", "svd_flattening", "figure9", "figure10", "figure11", "figure12",
    "table1", "table2", "table3", "table5", "table6", "alpha_grid", "figure6", "figure6_loss", "figure7",
    "figure7_loss",
    "table9", "table9_deformations", "table7", "pgd_sanity",
    "gan", "figure8", "gan_samples",
]


def test_the_registry_keeps_the_papers_order():
    assert list(ARTEFACTS) == PAPER_ORDER


def test_the_docstring_documents_exactly_the_fields():
    doc = Artefact.__doc__.split("Attributes:", 1)[1]
    documented = re.findall(r"^        (\w+): ", doc, flags=re.M)
    assert documented == [f.name for f in dataclasses.fields(Artefact)]


def test_a_second_artefact_of_a_name_is_refused():
    with pytest.raises(ValueError, match="'table8' is already registered"):
        register(Artefact(name="table8", kind="table", title="", section="", caption=""))


def test_the_svd_settings_are_declared_once():
    """Figures 9-11 draw one setting each, Figure 12 all of them, the flattening claims name each."""
    assert [ARTEFACTS[f"figure{n}"].panels for n in (9, 10, 11)] == [(s,) for s in SVD_SETTINGS]
    assert ARTEFACTS["figure12"].panels == SVD_SETTINGS
    claims = ARTEFACTS["svd_flattening"].claims  # per setting: flattening, and no clear change overall (2)
    assert [c.a["setting"] for c in claims] == [s for s, _ in SVD_SETTINGS for _ in (0, 1, 2)]
    assert all(describe in c.text for (_, describe), c in zip([s for s in SVD_SETTINGS for _ in (0, 1, 2)], claims))


def test_every_supervised_table_looks_up_the_papers_numbers():
    tables = [a for a in ARTEFACTS.values() if a.writer.endswith(":supervised_table")]
    assert tables and all(callable(a.paper) for a in tables)
    assert all(a.paper is None for a in ARTEFACTS.values() if a not in tables)
    assert ARTEFACTS["table1"].paper({"dataset": "cifar10", "arch": "preactresnet18", "method": "none", "alpha": 2.0}) \
        == (4.83, 0.19)  # a no-mixup row matches whatever its alpha


def test_no_mixup_is_listed_once_whatever_the_alphas():
    assert method_alphas(["none", "manifold"], [0.5, 2.0]) == [
        {"method": "none", "alpha": 0.0}, {"method": "manifold", "alpha": 0.5}, {"method": "manifold", "alpha": 2.0}
    ]
