"""Hand-built nets: shapes, closed-form bounds checked on grids, and clear refusals."""

from pathlib import Path

import numpy as np
import pytest

from surrogate import ArchitectureError, ConfigError, score
from surrogate.milp.bounds import net_bounds
from surrogate.nets.construct import VARIANTS, hand_built, hand_built_mae_estimate, plan, useful_plans
from surrogate.nets.zoo import resolve_surrogate

STABLE_ZOO = Path(__file__).resolve().parents[2] / "models" / "stable"
SHAPES = ["1x24", "2x12", "3x8", "4x6", "1x12", "2x6", "3x16", "8-6-6"]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("arch", SHAPES)
def test_hand_built_nets_meet_their_bounds(arch, variant):
    net = hand_built(arch, variant)
    assert net.architecture.name == arch  # idle units keep the requested shape
    bound = plan(arch, variant).error_bound
    s = score(net, n=801)
    assert s.max_error <= bound * (1 + 1e-6) + 1e-12
    assert s.max_error >= 0.9 * bound  # the bound is tight, not a loose over-estimate
    assert net.metadata["kind"] == "hand-built" and net.metadata["variant"] == variant


@pytest.mark.parametrize(
    ("arch", "cells", "max_error", "mae"),
    [
        ("1x24", 12, 1 / 144, None),
        ("2x12", 30, 1 / 900, None),
        ("3x8", 36, 1 / 1296, 2.57e-4),
        ("4x6", 24, 1 / 576, None),
    ],
)
def test_paired_construction_reproduces_the_published_figures(arch, cells, max_error, mae):
    p = plan(arch)
    assert p.cells("u") == p.cells("v") == cells
    assert p.error_bound == pytest.approx(max_error)
    s = score(hand_built(arch), n=2001)
    assert s.max_error == pytest.approx(max_error, rel=1e-3)
    if mae is not None:
        assert s.mae == pytest.approx(mae, abs=1e-6)


def test_shared_carry_refines_further():
    p = plan("3x8", "shared")
    assert (p.cells("u"), p.cells("v")) == (48, 48)
    s = score(hand_built("3x8", "shared"), n=1001)
    assert s.max_error <= 1 / 48**2 * (1 + 1e-6)
    assert s.mae < 1.5e-4 < score(hand_built("3x8"), n=1001).mae


@pytest.mark.parametrize("arch", ["2x6", "3x8", "4x6", "6x4"])
def test_mae_estimate_matches_the_grid(arch):
    assert hand_built_mae_estimate(arch) == pytest.approx(score(hand_built(arch, "shared"), n=801).mae, rel=0.02)


def test_exact_at_the_nodes():
    # x*y = u^2 - v^2 is exact where u and v both sit on grid nodes, e.g. (x, y) = (1, 1), (1, -1), (0, 0).
    net = hand_built("3x8")
    pts = np.array([[1.0, 1.0], [1.0, -1.0], [0.0, 0.0], [-1.0, 1.0]])
    assert np.allclose(net.forward(pts), pts[:, 0] * pts[:, 1], atol=1e-12)


@pytest.mark.parametrize(
    ("arch", "variant", "message"),
    [
        ("3x7", "paired", "every hidden width must be even"),
        ("2-8-2", "paired", "layers after the first need at least 4 neurons"),
        ("12x2", "shared", "later ones at least 3"),
        ("3x8", "triple", "plan: unknown construction variant 'triple'; choose one of paired, shared"),
    ],
)
def test_shapes_that_do_not_fit_are_refused(arch, variant, message):
    with pytest.raises(ArchitectureError, match=message):
        plan(arch, variant)
    assert hand_built_mae_estimate("12x2") is None


@pytest.mark.solver
def test_deep_shared_net_spends_one_binary_per_square_per_layer():
    """4-5-5-5-5 ``shared`` is Yarotsky's construction (k = 2 in every later layer) within 24 neurons:
    32 cells per square and max error 1/32^2. Under exact bounds the first layer's ``relu(s + 1)`` hinges
    and the four shared carries are provably active (6); the zigzags' ``relu(z)`` hinges have an exact
    lower bound of 0, which the sound margin of OBBT leaves a hair below, so 18 count as unstable until the
    stable family's fixing step makes those 8 linear (``b24-stable-hand-shared-l0-4-5-5-5-5``: 10)."""
    p = plan("4-5-5-5-5", "shared")
    assert p.first_cells == {"u": 2, "v": 2} and p.refinements == ({"u": 2, "v": 2},) * 4
    assert (p.cells("u"), p.cells("v")) == (32, 32) and p.error_bound == 1 / 32**2
    net = hand_built("4-5-5-5-5", "shared")
    assert net.architecture.neurons == 24
    s = score(net, n=2001)
    assert s.max_error == pytest.approx(1 / 32**2, rel=1e-3) and s.mae == pytest.approx(3.25e-4, abs=1e-6)
    b = net_bounds(net, "milp")
    assert (b.stable_active, b.stable_inactive, b.unstable) == (6, 0, 18)
    assert net_bounds(resolve_surrogate("b24-stable-hand-shared-l0-4-5-5-5-5", zoo=STABLE_ZOO), "milp").unstable == 10


@pytest.mark.solver
@pytest.mark.parametrize(
    ("arch", "variant", "unstable", "fixed"),
    [("4-5-5-5-5", "shared", 18, 10), ("3x8", "shared", 20, 16), ("3x8", "paired", 22, 14), ("4x6", "paired", 20, 10)],
)
def test_active_margin_keeps_the_function_and_proves_the_always_active_units(arch, variant, unstable, fixed):
    plain, shifted = hand_built(arch, variant), hand_built(arch, variant, active_margin=1 / 64)
    points = np.random.default_rng(3).uniform(-1, 1, (20_000, 2))
    assert np.abs(plain.forward(points) - shifted.forward(points)).max() < 1e-12
    assert "active_margin" not in plain.metadata and shifted.metadata["active_margin"] == "0.015625"
    assert (net_bounds(plain, "milp").unstable, net_bounds(shifted, "milp").unstable) == (unstable, fixed)


@pytest.mark.parametrize("margin", [-0.1, float("nan"), float("inf"), True, "0.1", None, 1e15, 1.5])
def test_a_bad_active_margin_is_refused(margin):
    with pytest.raises(ConfigError, match=r"active_margin=.* must be a number in \[0, 1\], e.g. 0.015625"):
        hand_built("4-5-5-5-5", "shared", active_margin=margin)


def test_the_largest_active_margin_keeps_the_function():
    points = np.random.default_rng(4).uniform(-1, 1, (20_000, 2))
    plain, shifted = hand_built("4-5-5-5-5", "shared"), hand_built("4-5-5-5-5", "shared", active_margin=1.0)
    assert np.abs(plain.forward(points) - shifted.forward(points)).max() < 1e-12


@pytest.mark.parametrize("arch", ["5-4", "3-4", "5-5-5"])
def test_an_active_margin_keeps_the_function_of_a_net_whose_squares_get_unequal_first_layers(arch):
    # 5-4 puts 2 hinges on u and 3 on v in layer 1: v's always-active hinge is unit 2, not unit first_cells["v"]
    assert plan(arch, "shared").first_cells["u"] != plan(arch, "shared").first_cells["v"]
    points = np.random.default_rng(6).uniform(-1, 1, (2_000, 2))
    plain, shifted = hand_built(arch, "shared"), hand_built(arch, "shared", active_margin=0.5)
    assert np.abs(plain.forward(points) - shifted.forward(points)).max() < 1e-12


@pytest.mark.parametrize(
    ("arch", "variant", "bound"), [("3x8", "paired", 1 / 1296), ("1x6", "paired", 1 / 9), ("2x6", "shared", 1 / 36)]
)
def test_the_net_records_its_plans_error_bound(arch, variant, bound):
    # 3x8 paired: 4 cells, refined 3 and 3 -> 36 cells per square, |N - xy| <= 1/36^2 (module docstring)
    assert plan(arch, variant).error_bound == pytest.approx(bound, rel=1e-12)
    assert float(hand_built(arch, variant).metadata["error_bound"]) == pytest.approx(bound, rel=1e-12)


def test_useful_plans_keep_bounds_strictly_below_a_quarter_and_skip_a_one_layer_shared_net():
    assert list(useful_plans("1x4")) == []  # 2 cells per square: bound exactly 1/4, no better than the constant 0
    assert [variant for variant, _ in useful_plans("1x6")] == ["paired"]  # shared of one layer is the paired net
    # 2x6: 3 cells per square, each halved by the second layer, in either variant
    assert [(v, p.error_bound) for v, p in useful_plans("2x6")] == [("paired", 1 / 36), ("shared", 1 / 36)]


def test_the_zoo_holds_the_fixed_deep_net():
    net = resolve_surrogate("b24-hand-shared-fixed-4-5-5-5-5")
    assert net.metadata["active_margin"] == "0.015625" and net.architecture.name == "4-5-5-5-5"
    assert net_bounds(net, "milp").unstable == 10  # stored bounds: no solve
    points = np.random.default_rng(5).uniform(-1, 1, (5_000, 2))
    assert np.abs(net.forward(points) - hand_built("4-5-5-5-5", "shared").forward(points)).max() < 1e-6  # float32


@pytest.mark.parametrize(
    ("arch", "variant", "hint"),
    [
        ("4x3", "paired", r"try 1x12 or 2x6 \(the useful shapes of the same 12 neurons in equal layers\)"),
        ("3x7", "paired", r"no shape of 21 neurons in equal layers makes a useful paired net"),  # every width odd
        ("12x2", "shared", r"try 1x24, 2x12, 3x8, 4x6 or 6x4 \(the useful shapes of the same 24 neurons in equal layers\)"),
        ("3x1", "shared", r"no shape of 3 neurons in equal layers makes a useful shared net; give it more neurons"),
    ],
)
def test_a_refused_shape_is_told_the_useful_shapes_of_its_own_budget(arch, variant, hint):
    with pytest.raises(ArchitectureError, match=hint):
        plan(arch, variant)


def test_the_hints_rule_of_a_useful_shape_agrees_with_its_plan():
    """useful_shape decides without planning (a wide shared plan takes seconds; 48x2's refusal took minutes)."""
    from surrogate.nets.construct_estimate import USEFUL_BOUND, fits_variant, useful_shape

    for variant in VARIANTS:
        for total in range(1, 25):
            for depth in (d for d in range(1, total + 1) if total % d == 0):
                width = total // depth
                built = fits_variant((width,) * depth, variant) and plan(f"{depth}x{width}", variant).error_bound < USEFUL_BOUND
                assert useful_shape(depth, width, variant) == built, (variant, depth, width)


@pytest.mark.parametrize("variant", ["pairs", None, 1, "Paired"])
def test_useful_shape_refuses_an_unknown_variant_naming_the_known_ones(variant):
    """useful_shape('pairs') answered as for 'shared' (any variant but 'paired' took its rules)."""
    from surrogate.nets.construct_estimate import fits_variant, useful_shape

    with pytest.raises(ArchitectureError, match=r"useful_shape: unknown construction variant .*; choose one of paired, shared"):
        useful_shape(2, 8, variant)
    with pytest.raises(ArchitectureError, match=r"fits_variant: unknown construction variant"):
        fits_variant((8, 8), variant)


@pytest.mark.parametrize(("depth", "width"), [(None, 8), (2, -1), (2, 1.5), (10**30, 8)])
def test_useful_shape_refuses_a_depth_or_width_that_is_no_size(depth, width):
    from surrogate.nets.construct_estimate import useful_shape

    with pytest.raises(ConfigError, match=r"useful_shape: (depth|width)=.* must be a positive integer up to 100000"):
        useful_shape(depth, width, "paired")
    assert useful_shape(np.int64(2), np.int64(8), "paired") == useful_shape(2, 8, "paired")
