"""Errors the command line turns into clean messages (never a traceback)."""

from __future__ import annotations


class SimulatorError(Exception):
    """Base class of every error the CLI reports as a message."""

    exit_code = 1


class ScenarioError(SimulatorError):
    """A YAML or scenario mistake, located at file:line:column."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        where: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.where = where

    def __str__(self) -> str:
        place = self.file or "<scenario>"
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        where = f" {self.where}:" if self.where else ""
        return f"{place}:{where} {self.message}"


class InputError(SimulatorError):
    """A file the user named is missing, unreadable, or not what it should be: a usage error."""

    exit_code = 2


class TemplateError(SimulatorError):
    """A payload template is missing, invalid, or renders something that is not JSON."""

    exit_code = 2


class DeliveryError(SimulatorError):
    """Events could not be delivered to a sink."""

    exit_code = 1
