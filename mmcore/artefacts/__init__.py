"""The registry of the paper's artefacts: one declaration per table or figure.

Each :class:`Artefact` holds what a table or figure needs, in one place: the config block it reads,
how that block expands into *cells* (a table row or figure curve as the paper names it; the run sheet
turns each cell into one run per seed), which per-run file its writer reads, the function that writes
it, its title, notes, columns, caption, report section and the claims of the paper it carries. The run
sheet, the workflow's targets, the generic ``table`` and ``figure`` rules, the scorecard and the report
iterate over :data:`ARTEFACTS`, as timm's ``@register_model`` does for models.

The machinery is in :mod:`._registry`; the declarations are one module per family, as the writers in
:mod:`mmcore.tables`: :mod:`.synthetic` (appendix A), :mod:`.representations` (appendices B and G),
:mod:`.supervised` (section 5.1, appendix C), :mod:`.robustness` (section 5.2, appendix D) and
:mod:`.gan` (appendix E). They are imported below in the paper's order, which is the order of
:data:`ARTEFACTS` (and of the report). Every declaration is one :func:`register` call on an
:class:`Artefact`; a family's helpers build artefacts, cells and claims, and a series of figures of one
shape (Figures 6-7, Figures 9-11) is registered by a function that loops over them, so no loop variable
is left in the module.

Adding a table of an existing family is one :func:`register` call in its family module, its
config/schema block and its paper numbers (``paper_reference.yaml``); ``docs/architecture.md`` walks
through it.

This package is read while Snakemake parses the workflow, so it imports nothing heavy (no torch, no
pandas); writers are named as ``"module:function"`` and imported by the job that runs them.
"""

from __future__ import annotations

from ._registry import (
    ARTEFACTS, Artefact, Claim, each, grid, method_alphas, method_map, register, with_seeds, writer_of,
)

# The families, in the paper's order: importing a module registers its artefacts.
from . import synthetic, representations, supervised, robustness, gan  # noqa: F401,I001  (the order is the registry's)

__all__ = [
    "Claim", "Artefact", "ARTEFACTS", "register", "grid", "each", "method_alphas", "method_map", "with_seeds",
    "writer_of",
]
