"""Canvas Live Events simulator: YAML scenarios in, Canvas-exact event streams out."""

__version__ = "0.1.0"
