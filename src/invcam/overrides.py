"""``SECTION.FIELD=VALUE`` assignments (``invcam fit --set``): one config field set from
text, parsed as the field's type and checked, with a one-line error naming a bad one."""

from __future__ import annotations

import dataclasses

from invcam.config import FitConfig, LossConfig, ModelConfig, OptimConfig, choices_of
from invcam.errors import InvcamError


def override(cfg: FitConfig, assignment: str) -> FitConfig:
    """``cfg`` with one field set from text ``"section.field=value"`` (section: model,
    loss or optim), the value parsed as the field's type; InvcamError names a bad one."""
    key, sep, text = assignment.partition("=")
    section, _, name = key.strip().partition(".")
    part = getattr(cfg, section, None) if section in ("model", "loss", "optim") else None
    fields = {f.name: f for f in dataclasses.fields(part)} if part is not None else {}
    if not sep or name not in fields:
        raise InvcamError(f"cannot set {assignment!r}: expected SECTION.FIELD=VALUE with a "
                          f"field of model, loss or optim (e.g. loss.censor_clipped=true)")
    old = getattr(part, name)
    try:
        value = _parse_value(type(old), text.strip())
    except ValueError:
        wanted = _KIND_NAMES.get(type(old), type(old).__name__)
        raise InvcamError(f"cannot set {key}: {text!r} is not {wanted}") from None
    _check_value(name, value, key)
    return dataclasses.replace(cfg, **{section: dataclasses.replace(part, **{name: value})})


_CHOICES = {**choices_of(ModelConfig), **choices_of(LossConfig), **choices_of(OptimConfig)}
_SIGNED = {"blur_center_logit"}
_POSITIVE = {"lens_aperture"}
"""Fields whose logarithm the model takes: 0 is refused too."""
_FROM_ZERO = {"deform_follow"}
"""Counts for which 0 means off."""


def _check_value(name: str, value, key: str) -> None:
    """InvcamError unless ``value`` is one the field ``name`` can take: one of its choices,
    a count of at least 1, or a weight, rate or size of at least 0."""
    if name in _CHOICES and value not in _CHOICES[name]:
        raise InvcamError(f"cannot set {key}: choose from {', '.join(_CHOICES[name])}")
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    least = 0 if name in _FROM_ZERO else 1
    if isinstance(value, int) and value < least:
        raise InvcamError(f"cannot set {key}: it must be at least {least}")
    if name not in _SIGNED and value < 0:
        raise InvcamError(f"cannot set {key}: it may not be negative")
    if name in _POSITIVE and value <= 0:
        raise InvcamError(f"cannot set {key}: it must be positive")


_KIND_NAMES = {int: "an integer", float: "a finite number", bool: "true or false",
               type(None): "a number or none"}


def _parse_value(kind: type, text: str):
    """``text`` as a ``kind`` (bool, int, float, str, or None for an optional field)."""
    if kind is bool:
        if text.lower() not in ("true", "false", "1", "0"):
            raise ValueError(text)
        return text.lower() in ("true", "1")
    if kind is type(None):
        if text.lower() == "none":
            return None
        kind = float
    value = kind(text)
    if isinstance(value, float) and not abs(value) <= _FLOAT32_MAX:  # NaN fails too
        raise ValueError(text)
    return value


_FLOAT32_MAX = 3.4028234663852886e38
"""The fit computes in float32: a larger value would become infinite there."""
