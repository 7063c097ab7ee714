"""The registry's machinery: :class:`Artefact`, :class:`Claim`, :func:`register`, :data:`ARTEFACTS`,
:func:`writer_of` and the cell helpers. The declarations live in the family modules beside it."""

from __future__ import annotations

import importlib
import itertools
from dataclasses import dataclass
from typing import Callable

from ..mix_points import mix_alpha

__all__ = [
    "Claim", "Artefact", "ARTEFACTS", "register", "writer_of", "with_seeds", "grid", "each", "method_alphas",
    "method_map",
]


@dataclass(frozen=True)
class Claim:
    """A finding of the paper, read off this artefact's table: row ``a`` against row ``b`` (or a threshold).

    Rows are selected by equality on the given columns; with several matching rows (datasets sharing
    stand-in runs) the first. ``column`` is the ``*_mean`` column the claim is judged on (beside its
    ``*_std`` and, where the table has it, its per-seed ``*_seeds``): switching a claim to another
    measure (the best or final epoch's error, say) is a change of this one field.

    Two kinds (:mod:`mmcore.scorecard` judges them):

    * ``kind="directional"`` (the default): a is ``better`` ("lower" or "higher") than b on ``column``, or
      than ``threshold``;
    * ``kind="unchanged"``: a is no different from b, to within ``margin``, a relative change
      ``(a - b) / b`` declared up front with the claim (0.10: plus or minus 10 %); ``better`` and
      ``threshold`` do not apply.
    """

    section: str
    text: str
    column: str
    a: dict
    b: dict | None = None
    better: str = "lower"
    threshold: float | None = None
    paper_column: str = "paper_value"
    paper_text: str = ""  # the paper's finding in words, for claims read off a figure
    kind: str = "directional"
    margin: float | None = None  # unchanged claims: the largest relative change that counts as none

    def __post_init__(self):
        if self.kind not in ("directional", "unchanged"):
            raise ValueError(f"claim {self.text!r}: kind must be 'directional' or 'unchanged'")
        if self.better not in ("lower", "higher"):
            raise ValueError(f"claim {self.text!r}: better must be 'lower' or 'higher'")
        if self.kind == "unchanged":
            if self.b is None or self.threshold is not None:
                raise ValueError(f"claim {self.text!r}: an unchanged claim compares two rows, without a threshold")
            if self.margin is None or not self.margin > 0:
                raise ValueError(f"claim {self.text!r}: an unchanged claim declares a positive margin")
        elif self.margin is not None:
            raise ValueError(f"claim {self.text!r}: only an unchanged claim has a margin")
        if self.b is None and self.threshold is None:
            raise ValueError(f"claim {self.text!r}: compare two rows, or a row against a threshold")


@dataclass(frozen=True)
class Artefact:
    """One table or figure of the paper, as this workflow makes it.

    Attributes:
        name: registry key and output stem: ``tables/<name>.csv`` / ``.md`` for a table,
            ``figures/<name>.png`` for a figure, under the configuration's results folder.
        kind: ``"table"`` or ``"figure"``.
        title: the table's heading or the figure's title; a ``{key}`` of ``options`` is filled in.
        section: the paper section; the report's category.
        caption: the report caption (reStructuredText).
        runs: the run family its cells train (``synthetic``, ``representations``, ``supervised``,
            ``gan``), or ``""`` for an artefact without runs (Figure 4, or one drawn from a table).
        block: the config block, as a key path (``("supervised", "table5")``); its ``enabled`` key (true
            when absent) switches the artefact on or off.
        cells: ``(block, config) -> cell specs``, each a dict of the paper's names (dataset, arch,
            method, alpha, layer set, ...); the run sheet adds one run per seed. ``None``: no runs.
        reads: the per-run file the writer reads (``metrics.json``, ``history.csv``, ``deform.json``,
            ...), or ``"table:<name>"`` for another artefact's CSV.
        writer: ``"module:function"``; tables: ``f(artefact, cells, files, scale, options) ->
            DataFrame``, figures: ``f(artefact, cells, files, scale, options, png)``.
        columns: the table's columns, in order; :func:`with_seeds` appends a ``*_seeds`` column (the
            per-seed values, CSV only) for each ``*_mean`` one.
        notes: notes under the title; a ``{key}`` of ``options`` is filled in (other braces, such as
            the layer set ``{0}``, stay as written); a note that fills to nothing is left out.
        options: ``config -> dict`` of the evaluation settings the writer needs (not run settings).
        claims: the paper's findings the scorecard checks on this table.
        schedules: the supervised schedules its runs use (for the scale label).
        paper: supervised tables: ``row -> (main, second)``, the paper's numbers of a table row (error
            and NLL, or top-1 and top-5 for Table 3; NaN where the paper has none).
        panels: spectra figures: ``(setting, description)`` of each representation setting it draws,
            one panel each.
    """

    name: str
    kind: str
    title: str
    section: str
    caption: str
    runs: str = ""
    block: tuple[str, ...] = ()
    cells: Callable[[dict, dict], list[dict]] | None = None
    reads: str = "metrics.json"
    writer: str = ""
    columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    options: Callable[[dict], dict] | None = None
    claims: tuple[Claim, ...] = ()
    schedules: tuple[str, ...] = ()
    paper: Callable[[dict], tuple[float, float]] | None = None
    panels: tuple[tuple[str, str], ...] = ()

    def block_of(self, config: dict) -> dict:
        node = config
        for key in self.block:
            node = node.get(key) or {}
        return node

    def enabled(self, config: dict) -> bool:
        return bool(self.block_of(config).get("enabled", True))

    def options_of(self, config: dict) -> dict:
        return self.options(config) if self.options else {}

    def fill(self, text: str, options: dict) -> str:
        """``text`` with each ``{key}`` of ``options`` replaced by its value."""
        for key, value in options.items():
            text = text.replace("{" + key + "}", str(value))
        return text

    @property
    def outputs(self) -> list[str]:
        if self.kind == "figure":
            return [f"figures/{self.name}.png"]
        return [f"tables/{self.name}.csv", f"tables/{self.name}.md"]

    @property
    def source(self) -> str | None:
        """The artefact whose table this one reads (``reads="table:<name>"``), if any."""
        return self.reads.split(":", 1)[1] if self.reads.startswith("table:") else None


#: Every artefact, in the paper's order (the report's order): the order the family modules register.
ARTEFACTS: dict[str, Artefact] = {}


def register(artefact: Artefact) -> Artefact:
    """Add an artefact; a second one of the same name is an error (no silent overwrite)."""
    if artefact.name in ARTEFACTS:
        raise ValueError(f"artefact {artefact.name!r} is already registered")
    if artefact.kind not in ("table", "figure"):
        raise ValueError(f"artefact {artefact.name!r}: kind must be 'table' or 'figure'")
    ARTEFACTS[artefact.name] = artefact
    return artefact


def with_seeds(columns) -> tuple[str, ...]:
    """``columns`` and, after them, the per-seed column ``<value>_seeds`` of each ``<value>_mean`` among
    them (``seed:value`` pairs, which the scorecard pairs across rows; CSV only, not the Markdown)."""
    columns = tuple(columns)
    return columns + tuple(c.removesuffix("_mean") + "_seeds" for c in columns if c.endswith("_mean"))


def writer_of(artefact: Artefact) -> Callable:
    """Import the artefact's writer (in the job that runs it, never at parse time)."""
    module, function = artefact.writer.split(":")
    return getattr(importlib.import_module(module), function)


# ---- cell helpers: a cell spec is a dict; a grid is the product of axes (lists of dicts) ------------------


def grid(*axes: list[dict]) -> list[dict]:
    """The cartesian product of axes, first axis outermost; each cell merges one dict of every axis."""
    return [{k: v for part in combo for k, v in part.items()} for combo in itertools.product(*axes)]


def each(key: str, values) -> list[dict]:
    return [{key: v} for v in values]


def method_alphas(methods, alphas) -> list[dict]:
    """Every method at every alpha; no mixup once (its alpha means nothing: :func:`mix_alpha`)."""
    return [{"method": m, "alpha": a} for m in methods for a in dict.fromkeys(mix_alpha(m, a) for a in alphas)]


def method_map(mapping: dict) -> list[dict]:
    """A ``{method: alpha}`` block (one alpha per method) as cells."""
    return [{"method": m, "alpha": a} for m, a in mapping.items()]
