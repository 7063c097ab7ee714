"""How the GAN metrics are named wherever they appear (tables, figures, report), by feature kind.

Classifier-based IS / FID / KID (the offline default) are never called Inception scores. Light: read
while the workflow parses (no torch).
"""

__all__ = ["metric_label", "metric_short", "axis_label"]


def metric_label(features: str) -> str:
    if features == "inception":
        return "IS / FID / KID with Inception features (torch-fidelity inception-v3-compat)"
    return "classifier-based IS / FID / KID (features of a classifier trained on the stand-in data; not Inception)"


def metric_short(features: str) -> str:
    return "IS and FID" if features == "inception" else "classifier-based IS and FID"


def axis_label(metric: str, features: str) -> str:
    """``IS`` / ``FID`` with Inception features; ``IS (classifier features)`` etc. otherwise."""
    return metric if features == "inception" else f"{metric} (classifier features, not Inception)"
