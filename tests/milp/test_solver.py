"""solve's own steps (solver.py): the objective of a warm start read before the run."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from surrogate import SolverConfig, solve

from .test_solution_check import binaries_model

pytestmark = pytest.mark.solver


@pytest.mark.parametrize("value", [np.bool_(True), Decimal(1)], ids=["numpy.bool_", "Decimal"])
def test_a_warm_start_of_binaries_holding_numpy_bool_or_decimal_solves_as_without_it(value):
    """probe120 #5: round(numpy.bool_) and Decimal - float raised a bare TypeError in _objective_now."""
    from surrogate.milp.solver import _objective_now

    m = binaries_model(value, value)
    m.y.set_value(5)
    assert _objective_now(m) == (5.0, False)
    result = solve(m, SolverConfig(time_limit=5, threads=1), warm_start=True)
    assert result.termination.name == "OPTIMAL" and result.objective == pytest.approx(5.0)
