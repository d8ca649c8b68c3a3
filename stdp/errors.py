"""Exceptions raised by `stdp` for bad input.

Every error a user can cause (an unknown config key, a quantity with the
wrong unit, a corrupt data file, a checksum mismatch, ...) is raised as a
subclass of `StdpError`. The command line turns these into a one-line
message and exit status 2.
"""

__all__ = ["StdpError", "ConfigError", "DataError", "CheckpointError", "SimulationError"]


class StdpError(Exception):
    """Base class for errors caused by bad input (exit status 2 on the CLI)."""


class ConfigError(StdpError):
    """A configuration value is unknown, malformed or has the wrong unit."""


class DataError(StdpError):
    """A data set could not be found, downloaded, verified or parsed."""


class CheckpointError(StdpError):
    """A checkpoint or results folder is missing, corrupt or inconsistent."""


class SimulationError(StdpError):
    """The simulation blew up with these parameters (e.g. an unstable integration method)."""
