"""Config validation: JSON Schema with defaults, and errors that are one sentence naming the key.

Two passes, both before any job: the JSON Schema (types, ranges, enums, unique and non-empty lists;
a "number" is a finite one here, so .nan and .inf are refused wherever a number is accepted), then
:func:`check_semantics` for what a schema cannot say: digit ranges in order, milestones below their
schedule's epochs, schedule names that resolve, and sets or models that a table would list twice.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import jsonschema
import yaml

from .artefacts import ARTEFACTS
from .errors import UserError
from .mix_points import mix_alpha

__all__ = ["ConfigError", "load_schema", "validate_config", "check_semantics", "check_overlays", "load_config"]


class ConfigError(UserError, ValueError):
    """A user mistake in the config; its message is one sentence naming the key."""


def load_schema(path: str | Path) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


def _fill_defaults(value, schema: dict):
    """Fill ``default`` values of object properties, recursively (objects default to ``{}``)."""
    kind = schema.get("type")
    is_object = kind == "object" or (isinstance(kind, list) and "object" in kind)
    if not is_object or not isinstance(value, dict):
        return value
    for key, sub in schema.get("properties", {}).items():
        if key not in value and "default" in sub:
            value[key] = copy.deepcopy(sub["default"])
        if key in value:
            value[key] = _fill_defaults(value[key], sub)
    return value


def _finite_number(checker, instance) -> bool:
    """JSON Schema's "number", less NaN and the infinities (YAML's .nan, .inf): no run means anything
    with them, and comparisons such as ``minimum`` let NaN through."""
    base = jsonschema.Draft202012Validator.TYPE_CHECKER.is_type(instance, "number")
    return base and (not isinstance(instance, float) or math.isfinite(instance))


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("number", _finite_number),
)


def _key(path) -> str:
    parts = ["config"]
    for p in path:
        parts.append(f"[{p}]" if isinstance(p, int) else f".{p}")
    return "".join(parts).replace(".[", "[")


def _describe(error: jsonschema.ValidationError) -> str:
    """One sentence: the key, what was expected, what was given."""
    key = _key(error.absolute_path)
    v, arg, inst = error.validator, error.validator_value, error.instance
    if v == "additionalProperties":
        # YAML keys may be null or numbers beside strings (``~: 1``, ``2: 3``): sort them as text.
        extra = sorted(set(inst) - set(error.schema.get("properties", {})), key=str)
        allowed = ", ".join(sorted(map(str, error.schema.get("properties", {}))))
        return f"{key}: unknown key {extra[0]!r}; allowed keys: {allowed}"
    if "propertyNames" in error.relative_schema_path:  # the key itself is wrong
        if v == "enum":
            return f"{key}: unknown key {inst!r}; allowed keys: {', '.join(map(str, arg))}"
        return f"{key}: key {inst!r} does not match {arg}"
    if v == "type":
        kinds = [arg] if isinstance(arg, str) else list(arg)
        if isinstance(inst, float) and not math.isfinite(inst) and "number" in kinds:
            kinds[kinds.index("number")] = "a finite number"
        return f"{key}: expected {' or '.join(kinds)}, got {inst!r}"
    if v == "enum":
        return f"{key}: expected one of {', '.join(map(str, arg))}, got {inst!r}"
    if v == "pattern":
        return f"{key}: expected a string matching {arg.replace(chr(92) + 'Z', '$')}, got {inst!r}"
    kind = "an integer" if error.schema.get("type") == "integer" else "a number"
    if v == "minimum":
        return f"{key}: expected {kind} >= {arg}, got {inst!r}"
    if v == "exclusiveMinimum":
        return f"{key}: expected {kind} > {arg}, got {inst!r}"
    if v == "maximum":
        return f"{key}: expected {kind} <= {arg}, got {inst!r}"
    if v == "exclusiveMaximum":
        return f"{key}: expected {kind} < {arg}, got {inst!r}"
    if v == "minItems":
        return f"{key}: expected a list of at least {arg} item(s), got {inst!r}"
    if v == "minProperties":
        return f"{key}: expected a mapping of at least {arg} entry, got {inst!r}"
    if v == "uniqueItems":
        return f"{key}: expected a list without repeated items, got {inst!r}"
    if v == "required":
        return f"{key}: missing required key ({error.message})"
    return f"{key}: {error.message}"


def validate_config(config: dict, schema: dict) -> dict:
    """Return a validated copy of ``config`` with every default filled in.

    Raises :class:`ConfigError` with one sentence for the first problem found (the most specific
    one, so a bad list item is reported at its index, not as the whole list).
    """
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ConfigError(f"config: expected a mapping of keys to values, got {config!r}")
    filled = _fill_defaults(copy.deepcopy(config), schema)
    validator = _Validator(schema)
    errors = list(validator.iter_errors(filled))
    if errors:
        # Deepest first: the precise key; at one key a wrong type before the rest (.nan breaks no
        # bound); further ties broken by the order of keys in the document.
        best = max(errors, key=lambda e: (len(e.absolute_path), e.validator == "type"))
        raise ConfigError(_describe(best))
    check_semantics(filled)
    return filled


# ---- checks a schema cannot express ----------------------------------------------------------------------

def _fail(path, message: str):
    raise ConfigError(f"{_key(path)}: {message}")


def _check_milestones(config: dict) -> None:
    """Milestones inside their schedule (undefined schedule names are caught where the run sheet
    resolves them, naming the key that chose them)."""
    for name, sched in config["supervised"]["schedules"].items():
        for i, m in enumerate(sched["milestones"]):
            if m >= sched["epochs"]:
                _fail(
                    ("supervised", "schedules", name, "milestones", i),
                    f"expected a milestone below the schedule's epochs ({sched['epochs']}), got {m}",
                )


def _check_unique_sets(path, sets: list) -> None:
    """Layer sets are sets: [1, 0] is [0, 1], and a table would list the same cell twice."""
    seen: dict[frozenset, int] = {}
    for j, s in enumerate(sets):
        first = seen.setdefault(frozenset(s), j)
        if first != j:
            _fail(path + (j,), f"repeats the set of {path[-1]}[{first}] ({sets[first]!r}); list each set once")


def check_semantics(config: dict) -> None:
    """Cross-key checks on a schema-valid config, each a :class:`ConfigError` naming the key."""
    for i, spec in enumerate(config["representations"]["figure5"]["class_subsets"]):
        lo, hi = (int(v) for v in spec.split("-"))
        if lo >= hi:
            _fail(
                ("representations", "figure5", "class_subsets", i),
                f"expected a digit range lo-hi with lo < hi (at least two classes, e.g. '0-4'), got {spec!r}",
            )
    _check_milestones(config)
    sup = config["supervised"]
    _check_unique_sets(("supervised", "table5", "layer_sets"), sup["table5"]["layer_sets"])
    curves = sup["loss_curves"]
    _check_unique_sets(("supervised", "loss_curves", "layer_sets"), curves["layer_sets"])
    _check_unique_sets(("supervised", "loss_curves", "detached"), curves["detached"])
    for j, s in enumerate(curves["detached"]):
        if set(s) == {0}:
            _fail(
                ("supervised", "loss_curves", "detached", j),
                f"expected a set with a hidden layer (1-3), got {s!r}: nothing lies before the input to block",
            )
    if curves["enabled"]:
        # the loss-curve figures the registry declares
        known = [n for n, a in ARTEFACTS.items() if a.kind == "figure" and a.block == ("supervised", "loss_curves")]
        for name in curves["figures"]:
            if name not in known:
                _fail(
                    ("supervised", "loss_curves", "figures"),
                    f"figure name {name!r} is not a loss-curve figure of the registry "
                    f"(mmcore/artefacts/supervised.py: {', '.join(known)})",
                )
    _check_gan(config["gan"])
    models = config["robustness"]["table9"]["models"]
    seen: dict[tuple, int] = {}
    for j, m in enumerate(models):
        canonical = (m["method"], mix_alpha(m["method"], m["alpha"]))  # none ignores its alpha
        first = seen.setdefault(canonical, j)
        if first != j:
            _fail(
                ("robustness", "table9", "models", j),
                f"repeats the model of models[{first}] ({models[first]!r}; none ignores its alpha); list each model once",
            )


def _check_gan(gan: dict) -> None:
    """The GAN block: layer sets listed once, a family that fits the images, KID subsets that fit the
    sample counts, and Inception weights that can be found."""
    _check_unique_sets(("gan", "layer_sets"), gan["layer_sets"])
    if gan["enabled"] and not gan["baseline"] and not gan["layer_sets"]:
        _fail(("gan",), "baseline is false and layer_sets is empty, so no GAN would train; set gan.enabled: "
              "false to turn the GAN off, or name a layer set (e.g. [[pixel]])")
    if gan["arch"] == "sngan" and gan["dataset"] != "cifar10":
        _fail(("gan", "arch"), f"sngan generates 32 x 32 colour images, but gan.dataset is {gan['dataset']!r} "
              "(use cifar10, or arch dcgan)")
    for key in ("eval_samples", "reference_size"):
        if gan[key] and gan["kid_subset_size"] > gan[key]:
            _fail(("gan", "kid_subset_size"), f"expected at most gan.{key} ({gan[key]}), got {gan['kid_subset_size']}")
    if gan["isc_splits"] > gan["eval_samples"]:
        _fail(("gan", "isc_splits"), f"expected at most gan.eval_samples ({gan['eval_samples']}), got {gan['isc_splits']}")
    if gan["features"] == "inception" and gan["feature_extractor_weights_path"] is None and not gan["allow_download"]:
        _fail(("gan", "feature_extractor_weights_path"), "features inception needs the local path of "
              "weights-inception-2015-12-05-6726825d.pth (torch-fidelity's release v0.2.0), or allow_download: true")


def _swallowed(raw, merged, path=()):
    """Paths where ``raw`` (an overlay) sets an empty mapping that the merged config still fills."""
    if not isinstance(raw, dict) or not isinstance(merged, dict):
        return
    for key, value in raw.items():
        here = merged.get(key)
        if value == {} and isinstance(here, dict) and here:
            yield path + (key,)
        else:
            yield from _swallowed(value, here, path + (key,))


def check_overlays(files, cli: dict | None, merged: dict) -> None:
    """Snakemake merges ``--configfile`` overlays and ``--config`` key by key into config.yaml, so an
    empty mapping in an overlay (``figures: {}``) removes nothing: say so instead of ignoring it."""
    sources = []
    for f in files or ():
        try:
            with open(f) as fh:
                sources.append((str(f), yaml.safe_load(fh)))
        except (OSError, yaml.YAMLError):
            continue  # Snakemake itself has read it; nothing more to say here
    sources.append(("--config", cli or {}))
    for name, raw in sources:
        for path in _swallowed(raw, merged):
            _fail(path, f"{{}} in {name} removes nothing: Snakemake merges config files key by key, so the "
                  "entries of config.yaml stay; to skip this part, set its block's enabled: false")


def load_config(path: str | Path, schema_path: str | Path) -> dict:
    """Read a YAML config file and validate it (used by tests and tools outside Snakemake)."""
    try:
        with open(path) as fh:
            config = yaml.safe_load(fh)
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err.__class__.__name__})") from None
    return validate_config(config, load_schema(schema_path))
