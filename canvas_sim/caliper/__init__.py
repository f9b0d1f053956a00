"""IMS Caliper 1.1 in Canvas's form: a second rendering of the same simulated events."""

from __future__ import annotations

from .mapping import FORMS, NO_FORM, Form
from .render import CaliperRenderer

__all__ = ["FORMS", "NO_FORM", "CaliperRenderer", "Form"]
