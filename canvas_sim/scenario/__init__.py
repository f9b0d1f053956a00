"""Scenario files: YAML -> a typed model (loader, params, repeats, located errors, schema)."""

from ..values import Beta, CountRange, DurationRange, Normal, Timing, Uniform
from .loader import load_scenario, parse_scenario
from .models import STEP_MODELS, TIMING_KEYS, CourseBlock, Scenario, step_action
from .schema import json_schema

__all__ = [
    "STEP_MODELS",
    "TIMING_KEYS",
    "Beta",
    "CountRange",
    "CourseBlock",
    "DurationRange",
    "Normal",
    "Scenario",
    "Timing",
    "Uniform",
    "json_schema",
    "load_scenario",
    "parse_scenario",
    "step_action",
]
