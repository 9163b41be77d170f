"""Policies a scenario can attach to a model (see :mod:`sim.policies.base`)."""

from .base import PayUplift, Policy

__all__ = ["PayUplift", "Policy"]
