"""The scale label of every table: 'paper', or each way this run differs from the paper's settings.

A reduced-scale number never stands without this label (it is the first note of every table and a
column of every CSV). Light: read while the workflow parses.
"""

from __future__ import annotations

from .artefacts import ARTEFACTS, Artefact
from .paper import paper_reference

__all__ = [
    "scale_of",
    "pilot_label",
    "synthetic_scale",
    "representations_scale",
    "representation_training",
    "supervised_scale",
    "gan_scale",
]


def synthetic_scale(syn: dict) -> str:
    paper = paper_reference()["settings"]["synthetic"]
    diffs = [
        f"{key} {syn[key]:g} (paper {paper[key]:g})"
        for key in ("iterations", "batch_size", "lr")
        if float(syn[key]) != float(paper[key])
    ]
    return "paper" if not diffs else "reduced: " + ", ".join(diffs)


def representation_training(rep: dict, part: dict) -> tuple[int, int]:
    """(hidden width, epochs) of the MLPs of one part (``figure5`` or ``svd``): the part's own value
    where it sets one, else the shared ``representations`` value (each part is brought into the regime
    on its own: the 2-unit bottleneck of 10 classes needs more than the wider ones)."""
    width = part.get("width") if part.get("width") is not None else rep.get("width", 1024)
    epochs = part.get("epochs") if part.get("epochs") is not None else rep["epochs"]
    return int(width), int(epochs)


def representations_scale(rep: dict, part: dict | None = None) -> str:
    width, epochs = representation_training(rep, part or {})
    diffs = []
    if rep["dataset"] != "mnist":
        diffs.append(f"{rep['dataset']} stands in for mnist")
    if rep["train_size"]:
        diffs.append(f"{rep['train_size']} training images (paper 60000)")
    if epochs < 30:
        diffs.append(f"{epochs} epochs (authors' script 30)")
    if width != 1024:
        diffs.append(f"hidden layers of {width} units (authors' script 1024)")
    return "paper" if not diffs else "reduced: " + ", ".join(diffs)


def supervised_scale(sup: dict, name: str, schedules: tuple[str, ...], block: dict) -> str:
    """Every reduction a supervised table makes: stand-in, schedules, seeds (against the paper's count)."""
    paper = paper_reference()["settings"]["supervised"]
    diffs = []
    stand = sup["stand_in"]
    if stand:
        diffs.append(f"{stand['dataset']} stands in for every dataset (rows of different datasets share runs)")
        diffs.append(f"network widths x{stand['width_scale']:g}")
        if stand["train_per_class"]:
            diffs.append(f"{stand['train_per_class']} training images per class")
        if stand["test_size"]:
            diffs.append(f"{stand['test_size']} test images")
        if not stand.get("augment", True):
            diffs.append("no training augmentation (paper: flip + crop)")
    for sched in schedules:
        ours, theirs = sup["schedules"].get(sched), paper["schedules"][sched]
        if ours is not None and (ours["epochs"], list(ours["milestones"])) != (
            theirs["epochs"],
            list(theirs["milestones"]),
        ):
            diffs.append(
                f"{sched} schedule {ours['epochs']} epochs, lr/10 at {list(ours['milestones'])} "
                f"(paper {theirs['epochs']} at {theirs['milestones']})"
            )
    seeds = block.get("seeds") if block.get("seeds") is not None else sup["seeds"]
    paper_seeds = paper["seeds"].get(name, 1)  # tables the paper reports as single runs
    if len(seeds) != paper_seeds:
        diffs.append(f"{len(seeds)} seed(s) (paper {paper_seeds})")
    return "paper" if not diffs else "reduced: " + "; ".join(diffs)


def gan_scale(gan: dict) -> str:
    """Appendix E: the feature kind first (classifier-based numbers are not Inception values), then every
    setting that differs from the authors' (gan.md sections 2.3-2.4)."""
    paper = paper_reference()["gan"]["settings"]
    diffs = []
    if gan["features"] != "inception":
        diffs.append(
            f"classifier-based IS/FID/KID (features of a CNN trained on {gan['dataset']}; not Inception, not "
            "comparable to the paper's values)"
        )
    if gan["dataset"] != paper["dataset"]:
        diffs.append(f"{gan['dataset']} stands in for {paper['dataset']}")
    if gan["arch"] != paper["arch"]:
        diffs.append(f"a {gan['arch']} GAN (c = {gan['width']}) stands in for the SNGAN ResNet")
    for key, what in (("g_steps", "generator steps"), ("n_dis", "n_dis"), ("batch_size", "batch size"),
                      ("eval_samples", "samples per run")):
        if int(gan[key]) != int(paper[key]):
            diffs.append(f"{what} {gan[key]} (paper {paper[key]:,})")
    if gan["reference_size"]:
        diffs.append(f"FID/KID against {gan['reference_size']} training images (paper: all)")
    if len(gan["seeds"]) < int(paper["seeds"]):
        diffs.append(f"{len(gan['seeds'])} seed(s) (paper >= {paper['seeds']})")
    return "paper" if not diffs else "reduced: " + "; ".join(diffs)


def pilot_label(config: dict) -> str:
    """The prefix of every scale label of a pilot (config.pilot.enabled), else ``""``."""
    pilot = config.get("pilot") or {}
    if not pilot.get("enabled"):
        return ""
    return (
        f"pilot ({pilot['epochs']} epoch(s) of at most {pilot['steps']} optimisation step(s) per run, "
        f"{pilot['eval_images']} images per evaluation, placeholder data where none was provided; numbers "
        "from a pilot mean nothing) of: "
    )


def scale_of(artefact: Artefact, config: dict) -> str:
    """The artefact's scale label, by the family of its runs (or of the table it draws); a pilot's starts
    with ``pilot`` (:func:`pilot_label`)."""
    return pilot_label(config) + _scale_of(artefact, config)


def _scale_of(artefact: Artefact, config: dict) -> str:
    if artefact.source:
        return _scale_of(ARTEFACTS[artefact.source], config)
    if artefact.runs == "synthetic":
        return synthetic_scale(config["synthetic"])
    if artefact.runs == "representations":
        return representations_scale(config["representations"], artefact.block_of(config))
    if artefact.runs == "gan":
        return gan_scale(config["gan"])
    if artefact.runs == "supervised":
        return supervised_scale(
            config["supervised"], artefact.name, artefact.schedules, artefact.block_of(config)
        )
    return ""
