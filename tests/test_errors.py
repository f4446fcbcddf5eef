"""surrogate.errors: the one exception hierarchy, and warnings that point at the user's line."""

import warnings

import pyomo.environ as pyo
import pytest

from surrogate import DomainWarning, NumericsWarning, SurrogateError, add_surrogate, replace_products
from surrogate.errors import warn_caller
from tests.helpers import random_net


def _caught(category, call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if issubclass(w.category, category)]


def test_a_warning_from_here_points_here():
    (w,) = _caught(UserWarning, lambda: warn_caller("from a test", UserWarning))
    assert w.filename == __file__ and str(w.message) == "from a test"


def test_a_products_scale_warning_points_at_the_replace_products_call():
    """bilinear()'s warning about a badly scaled product pointed at products.py when replace_products made it."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 1e4)), pyo.Var(bounds=(0, 1e4))
    m.o = pyo.Objective(expr=m.x * m.y)
    found = _caught(NumericsWarning, lambda: replace_products(m, "3x8", implied_bounds=False))
    assert found and {w.filename for w in found} == {__file__}


def test_an_inputs_domain_warning_points_at_the_add_surrogate_call():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-2, 2)), pyo.Var(bounds=(-1, 1))
    (w,) = _caught(DomainWarning, lambda: add_surrogate(m, random_net((3,)), [m.x, m.y], bounds="interval"))
    assert w.filename == __file__ and "reach beyond the box" in str(w.message)


def test_every_error_of_the_package_is_one_of_the_hierarchy():
    import surrogate

    errors = [getattr(surrogate, n) for n in surrogate.__all__ if n.endswith("Error")]
    assert len(errors) == 12 and all(issubclass(e, SurrogateError) for e in errors)
    with pytest.raises(SurrogateError, match="bounds"):
        replace_products(pyo.ConcreteModel(), "3x8", bounds_time_limit=-1)


def test_each_error_is_also_the_builtin_error_its_kind_is():
    """Code that catches ValueError around a bad input (a config, a model, a formulation) or RuntimeError around a
    missing solver or a bad export catches the package's errors too."""
    from surrogate import errors

    bad_input = ("ArchitectureError", "ConfigError", "ModelFormatError", "FormulationError", "NonlinearModelError")
    bad_input += ("UnsupportedComponentError", "InfeasibleModelError")
    assert all(issubclass(getattr(errors, n), ValueError) for n in bad_input)
    assert all(issubclass(getattr(errors, n), RuntimeError) for n in ("SolverUnavailableError", "ExportError"))
