"""The plain-Mesa reference implementation of the model (a slow, obvious check on the engine)."""

from .model import DoubleExitReference, ReferenceModel

__all__ = ["DoubleExitReference", "ReferenceModel"]
