"""The MILP formulations' names and defaults (formulations.py)."""

import pyomo.environ as pyo
import pytest

from surrogate.errors import FormulationError
from tests.helpers import random_net


def test_the_default_encoding_is_pruned_with_milp_bounds():
    """add_surrogate without formulation= or bounds= encodes with ``pruned`` on MILP-OBBT bounds (README: the fastest
    in solve-time), not OMLT's interval ones."""
    from surrogate.milp.encoding import add_surrogate

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    enc = add_surrogate(m, random_net((3,)), [m.x, m.y])
    assert enc.formulation == "pruned" and enc.bounds.method == "milp"


def test_an_unknown_formulation_is_refused_with_the_known_ones():
    from surrogate.milp.formulations import check_formulation

    assert [check_formulation(f) for f in ("bigm", "partition", "fullspace", "pruned")] == [
        "bigm",
        "partition",
        "fullspace",
        "pruned",
    ]
    with pytest.raises(FormulationError, match=r"'complementarity'.*an NLP, which HiGHS cannot solve\); choose one of bigm"):
        check_formulation("complementarity")
