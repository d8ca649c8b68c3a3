"""Parameters and their ranges: `Param` (default, unit, meaning, range) and `Range`.

The building blocks of the configuration schema (`stdp.schema`); a parameter
declares its unit and the interval of values that make sense physically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import brian2

__all__ = [
    "Range",
    "Param",
    "INT32_MAX",
    "POSITIVE",
    "NON_NEGATIVE",
    "FINITE",
    "COUNT",
    "COUNT0",
    "SEED",
    "ms",
    "mV",
    "Hz",
    "second",
    "kHz",
    "ufarad",
    "msiemens",
]

#: The largest count accepted (Brian2 indexes neurons and synapses with 32-bit integers).
INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class Range:
    """An interval of allowed values; every bound is optional, values must be finite.

    Parameters
    ----------
    low, high : float or None
        The bounds, in the parameter's unit (`Param.kind` for quantities);
        ``None``: unbounded on that side (but still finite).
    low_open, high_open : bool
        Whether the bound itself is excluded (``low_open=True``: ``> low``).

    Examples
    --------
    >>> POSITIVE.contains(0.0), POSITIVE.contains(1e-9), str(POSITIVE)
    (False, True, '> 0')
    >>> str(Range(1, 10))
    '1 to 10'
    >>> FINITE.contains(float("nan"))
    False
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def contains(self, x: float) -> bool:
        """Whether ``x`` (a plain number, in the parameter's unit) is allowed."""
        if isinstance(x, float) and not math.isfinite(x):
            return False
        if self.low is not None and (x <= self.low if self.low_open else x < self.low):
            return False
        if self.high is not None and (x >= self.high if self.high_open else x > self.high):
            return False
        return True

    def describe(self, unit: str = "") -> str:
        """The range in words: ``"> 0 ms"``, ``">= 0"``, ``"1 to 10"``, ``"any finite value"``."""
        u = f" {unit}" if unit else ""
        low, high = self.low, self.high
        if low is None and high is None:
            return "any finite value"
        if high is None:
            return f"{'>' if self.low_open else '>='} {_num(low)}{u}"
        if low is None:
            return f"{'<' if self.high_open else '<='} {_num(high)}{u}"
        if not (self.low_open or self.high_open):
            return f"{_num(low)}{u} to {_num(high)}{u}" if unit else f"{_num(low)} to {_num(high)}"
        lb, hb = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"{lb}{_num(low)}, {_num(high)}{hb}{u}"

    def __str__(self) -> str:
        return self.describe()


def _num(x: float) -> str:
    """A bound as written in messages: integers in full, other numbers with ``%g``."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else f"{x:g}"


#: Any finite value (potentials, offsets).
FINITE = Range()
#: Strictly positive (time constants, time steps, totals).
POSITIVE = Range(0, low_open=True)
#: Zero or more (rates, learning rates, dimensionless weights, delays).
NON_NEGATIVE = Range(0)
#: A count where zero makes no sense: 1 to 2**31 - 1.
COUNT = Range(1, INT32_MAX)
#: A count where zero means "none" or "off": 0 to 2**31 - 1.
COUNT0 = Range(0, INT32_MAX)
#: A random seed as NumPy's legacy generator and Brian2 take it: 0 to 2**32 - 1.
SEED = Range(0, 2**32 - 1)


@dataclass(frozen=True)
class Param:
    """One configuration parameter.

    Parameters
    ----------
    default : object
        The default value; quantities are given as strings such as ``"5 ms"``.
    kind : `brian2.Unit` or type
        For a physical quantity, the unit it is written in by default (its
        dimension is what values are checked against); otherwise the Python type
        (``int``, ``float``, ``bool``, ``str``).
    doc : str
        What the parameter means, where its default comes from.
    choices : tuple of str, optional
        The allowed values of a string parameter.
    range : Range, optional
        The allowed values of a number or quantity (bounds in the unit
        ``kind``); every numeric parameter of `SCHEMA` declares one. Values
        must be finite in any case.

    Examples
    --------
    >>> p = Param("5 ms", ms, "refractory period", range=NON_NEGATIVE)
    >>> p.is_quantity, p.allowed()
    (True, '>= 0 ms')
    """

    default: Any
    kind: Any
    doc: str
    choices: tuple[str, ...] | None = None
    range: Range | None = None

    @property
    def is_quantity(self) -> bool:
        """Whether the parameter is a physical quantity (``kind`` is a Brian2 unit)."""
        return isinstance(self.kind, brian2.Unit)

    def allowed(self) -> str:
        """The allowed values in words (range with unit, choices, or the type)."""
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        if self.range is not None:
            return self.range.describe(str(self.kind) if self.is_quantity else "")
        return {bool: "true or false", str: "any string"}.get(self.kind, "any value")


ms, mV, Hz, second = brian2.ms, brian2.mV, brian2.Hz, brian2.second
kHz, ufarad, msiemens = brian2.kHz, brian2.ufarad, brian2.msiemens
