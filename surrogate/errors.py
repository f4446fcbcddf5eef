"""One exception hierarchy for the whole package.

Every error raised on bad input derives from :class:`SurrogateError`, and its
message names the offending object and says how to fix it.
"""

from __future__ import annotations


class SurrogateError(Exception):
    """Base class of every error raised by :mod:`surrogate`."""


class ArchitectureError(SurrogateError, ValueError):
    """An architecture string or layer-size list is not a valid ReLU MLP shape."""


class ConfigError(SurrogateError, ValueError):
    """A configuration object was given an invalid value."""


class ModelFormatError(SurrogateError, ValueError):
    """An ONNX file is missing, unreadable, or not a 2-input ReLU MLP."""


class FormulationError(SurrogateError, ValueError):
    """An unknown or unsupported MILP formulation was requested."""


class SolverUnavailableError(SurrogateError, RuntimeError):
    """The requested MILP solver is not installed."""


class ExportError(SurrogateError, RuntimeError):
    """An exported ONNX model disagrees with the network it was exported from."""


class NonlinearModelError(SurrogateError, ValueError):
    """A model handed to the MILP solver has a term of degree above 1 (e.g. a fixed factor was unfixed)."""


class UnsupportedComponentError(SurrogateError, ValueError):
    """A Pyomo model holds a component that a solve would leave out (e.g. an untransformed ``Disjunction``)."""


class DomainWarning(UserWarning):
    """A net's inputs may leave the box it is encoded on, which the encoding then keeps them within."""


class NumericsWarning(UserWarning):
    """A model is so badly scaled that the solver's answer may be wrong: tighten the named bounds."""


class InfeasibleModelError(SurrogateError, ValueError):
    """A model proven infeasible: bound tightening found its constraints admit no point within its variables' bounds, or
    a factor's bounds hold none (``lb > ub``, an integer's bounds without an integer)."""


class PrecisionWarning(UserWarning):
    """A net rounded to float32 (as ONNX stores it) lost accuracy it had in float64: centre or rescale its box."""


def warn_caller(message: str, category: type[Warning]) -> None:
    """``warnings.warn(message, category)`` pointing at the first frame outside this package: the user's line that
    called into it, however deep the warning is raised (a decorator's ``contextlib`` frame is passed over too).

    Parameters
    ----------
    message
        The warning's text.
    category
        Its class, e.g. :class:`NumericsWarning`.
    """
    import contextlib
    import os
    import sys
    import warnings

    package, wrapper = os.path.dirname(os.path.realpath(__file__)) + os.sep, contextlib.__file__
    frame, level = sys._getframe(1), 2  # stacklevel 2: warn_caller's caller
    inside = lambda f: os.path.realpath(f.f_code.co_filename).startswith(package) or f.f_code.co_filename == wrapper  # noqa: E731
    while frame.f_back is not None and inside(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
