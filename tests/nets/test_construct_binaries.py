"""The fewest binaries a hand-built net needs: the search against brute force, real nets and bad input."""

from itertools import product

import pytest

from surrogate import ConfigError, score
from surrogate.errors import ArchitectureError
from surrogate.milp.bounds import net_bounds
from surrogate.nets.construct import estimated_mae, hand_built, hand_built_mae_estimate, plan
from surrogate.nets.construct_binaries import fewest_binaries


def _binaries(p) -> int:
    """Binaries of a shared plan built with an active margin: every hinge but the first of each square per layer."""
    return sum(p.first_cells[q] - 1 for q in "uv") + sum(r[q] - 1 for r in p.refinements for q in "uv")


def test_no_hand_built_net_of_24_neurons_reaches_mae_1e_3_with_fewer_than_10_binaries():
    plans = {p.binaries: p for p in fewest_binaries(budget=24)}
    lean = min(b for b, p in plans.items() if p.mae <= 1e-3)
    assert (lean, plans[10].architecture, plans[10].cells) == (10, "4-5-5-5-5", (32, 32))
    assert plans[9].mae == pytest.approx(1.302e-3, rel=1e-3) and plans[8].cells == (16, 16)


@pytest.mark.parametrize("budget", [8, 9, 12])
def test_every_plan_fits_its_budget_with_the_shared_carry_counted(budget):
    plans = fewest_binaries(budget=budget)
    assert all(sum(p.widths) <= budget for p in plans)
    assert all(w == p.widths[0] or w >= 3 for p in plans for w in p.widths)  # a later layer: carry + a hinge per square


def test_nine_neurons_reach_four_cells_per_square_with_four_binaries():
    # 4-5: 2 + 2 first-layer hinges, then carry + 2 + 2 (4 cells per square); binaries (2-1)*2 + (2-1)*2 = 4
    lean = {p.binaries: p for p in fewest_binaries(budget=9)}[4]
    assert (lean.architecture, lean.cells) == ("4-5", (4, 4))
    assert lean.mae == estimated_mae(4, 4)


def test_the_search_beats_or_ties_every_architecture_the_construction_accepts():
    budget = 12
    best = {p.binaries: p.mae for p in fewest_binaries(budget=budget, max_depth=4)}
    checked = 0
    for depth in range(1, 5):
        for widths in product(range(2, budget + 1), repeat=depth):
            if sum(widths) > budget:
                continue
            arch = "-".join(map(str, widths))
            try:
                p = plan(arch, "shared")
            except ArchitectureError:
                continue
            assert best[_binaries(p)] <= hand_built_mae_estimate(arch, "shared") + 1e-15, arch
            checked += 1
    assert checked == 87  # every shared architecture of at most 12 neurons and 4 layers


@pytest.mark.solver
@pytest.mark.parametrize("binaries", [8, 10])
def test_a_lean_plan_builds_a_net_of_its_binaries_and_accuracy(binaries):
    lean = next(p for p in fewest_binaries(budget=24) if p.binaries == binaries)
    built = plan(lean.architecture, "shared")
    assert (built.cells("u"), built.cells("v")) == lean.cells and _binaries(built) == binaries
    net = hand_built(lean.architecture, "shared", active_margin=1 / 64)
    assert net_bounds(net, "milp").unstable == binaries
    assert score(net).mae == pytest.approx(lean.mae, rel=0.02)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"budget": 1}, r"budget=1 must be a whole number of hidden neurons >= 2, e.g. 24"),
        ({"budget": 24.0}, r"budget=24.0 must be a whole number"),
        ({"budget": True}, r"budget=True must be a whole number"),
        ({"budget": 24, "max_depth": 0}, r"max_depth=0 must be a whole number of hidden layers >= 1, e.g. 6"),
        ({"budget": 24, "max_depth": "6"}, r"max_depth='6' must be a whole number"),
    ],
)
def test_bad_search_settings_are_refused(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        fewest_binaries(**kwargs)


@pytest.mark.parametrize(
    ("cells", "message"),
    [((0, 32), r"cells_u=0 must be a whole number of cells >= 1, e.g. 32"), ((32, 2.5), r"cells_v=2.5 must be a whole number")],
)
def test_bad_cell_counts_are_refused(cells, message):
    with pytest.raises(ConfigError, match=message):
        estimated_mae(*cells)
