"""Config validation: JSON Schema with defaults, and errors that are one sentence naming the key."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import yaml

from .errors import UserError

__all__ = ["ConfigError", "load_schema", "validate_config", "load_config"]


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
        extra = sorted(set(inst) - set(error.schema.get("properties", {})))
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return f"{key}: unknown key {extra[0]!r}; allowed keys: {allowed}"
    if v == "type":
        return f"{key}: expected {arg if isinstance(arg, str) else ' or '.join(arg)}, got {inst!r}"
    if v == "enum":
        return f"{key}: expected one of {', '.join(map(str, arg))}, got {inst!r}"
    kind = "an integer" if error.schema.get("type") == "integer" else "a number"
    if v == "minimum":
        return f"{key}: expected {kind} >= {arg}, got {inst!r}"
    if v == "exclusiveMinimum":
        return f"{key}: expected {kind} > {arg}, got {inst!r}"
    if v == "maximum":
        return f"{key}: expected {kind} <= {arg}, got {inst!r}"
    if v == "minItems":
        return f"{key}: expected a list of at least {arg} item(s), got {inst!r}"
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
    validator = jsonschema.Draft202012Validator(schema)
    errors = list(validator.iter_errors(filled))
    if errors:
        # Deepest first: the precise key; ties broken by the order of keys in the document.
        best = max(errors, key=lambda e: len(e.absolute_path))
        raise ConfigError(_describe(best))
    return filled


def load_config(path: str | Path, schema_path: str | Path) -> dict:
    """Read a YAML config file and validate it (used by tests and tools outside Snakemake)."""
    try:
        with open(path) as fh:
            config = yaml.safe_load(fh)
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err.__class__.__name__})") from None
    return validate_config(config, load_schema(schema_path))
