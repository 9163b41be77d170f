"""Policies by name, for scenario files and sweeps: ``{"kind": "pay_uplift", "councils": [...], ...}``."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import SimInputError, unknown
from .base import PayUplift, Policy

POLICY_TYPES: dict[str, type[Policy]] = {"pay_uplift": PayUplift}


def policy_from_dict(spec: dict[str, Any], where: str = "policy") -> Policy:
    """Build a policy from a plain dict, checking its kind and fields."""
    spec = dict(spec)
    kind = spec.pop("kind", None)
    if kind is None:
        raise SimInputError(f"{where}: missing 'kind' (one of {', '.join(sorted(POLICY_TYPES))})")
    if kind not in POLICY_TYPES:
        raise unknown("policy kind", str(kind), POLICY_TYPES, where=where)
    cls = POLICY_TYPES[kind]
    allowed = [f.name for f in dataclasses.fields(cls)]
    bad = [k for k in spec if k not in allowed]
    if bad:
        raise SimInputError(f"{where} ({kind}): unknown field(s) {', '.join(map(repr, bad))}; "
                            f"allowed: {', '.join(allowed)}")
    try:
        return cls(**spec)
    except TypeError as exc:
        raise SimInputError(f"{where} ({kind}): {exc}") from None
