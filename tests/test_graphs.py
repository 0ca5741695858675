"""Graph constructions and the vertex Cheeger constant."""

import itertools
import math

import numpy as np
import pytest
from ramanujan_lth import graphs
from ramanujan_lth.maths.spectral import bipartite_spectrum


@pytest.mark.parametrize("n,d", [(10, 3), (50, 4), (200, 7)])
def test_random_regular_is_simple_and_regular(n, d):
    A = graphs.random_regular(n, d, seed=3)
    assert (A == A.T).all() and (np.diag(A) == 0).all()
    assert set(np.unique(A)) <= {0.0, 1.0}
    assert (A.sum(axis=1) == d).all()
    assert np.linalg.eigvalsh(A)[-1] == pytest.approx(d)


def test_random_regular_reproducible_and_validated():
    assert (graphs.random_regular(30, 4, seed=1) == graphs.random_regular(30, 4, seed=1)).all()
    with pytest.raises(ValueError, match="even"):
        graphs.random_regular(7, 3)
    with pytest.raises(ValueError, match="d < n"):
        graphs.random_regular(4, 4)


def test_random_biregular_degrees_and_validation():
    B = graphs.random_biregular(60, 20, 2, 6, seed=0)
    assert B.shape == (60, 20)
    assert (B.sum(axis=1) == 2).all() and (B.sum(axis=0) == 6).all()
    with pytest.raises(ValueError, match="edge counts"):
        graphs.random_biregular(10, 10, 2, 3)


def test_figure1_networks():
    nets = graphs.figure1_networks()
    assert set(nets) == {"disconnected", "partially", "fully"}
    for layers in nets.values():
        assert [int(b.sum()) for b in layers] == [8, 8]  # same sparsity
    comps = {k: [graphs.n_components(b) for b in v] for k, v in nets.items()}
    assert comps == {"disconnected": [2, 2], "partially": [1, 2], "fully": [1, 1]}
    # better-connected layers route more inputs to more outputs
    reach = {k: graphs.reachable_pairs(*v) for k, v in nets.items()}
    assert reach == {"disconnected": 8, "partially": 12, "fully": 14}
    # each connected 8-cycle has t2 = sqrt 2 and satisfies both bounds
    for b in nets["fully"]:
        r = bipartite_spectrum(b)
        assert r.t2 == pytest.approx(math.sqrt(2)) and r.delta_s > 0 and r.delta_r > 0


def brute_force_cheeger(A):
    n = len(A)
    best = math.inf
    for k in range(1, n // 2 + 1):
        for U in itertools.combinations(range(n), k):
            best = min(best, len(graphs.vertex_boundary(A, U)) / k)
    return best


def test_cheeger_known_values():
    n = 8
    cycle = np.roll(np.eye(n), 1, axis=1) + np.roll(np.eye(n), -1, axis=1)
    assert graphs.cheeger_constant(cycle) == pytest.approx(2 / 4)  # an arc of 4: boundary 2
    complete = np.ones((6, 6)) - np.eye(6)
    assert graphs.cheeger_constant(complete) == pytest.approx(1.0)  # |U| = 3, boundary 3
    path = np.diag(np.ones(5), 1)
    path = path + path.T
    h, U = graphs.cheeger_constant(path, return_set=True)
    assert h == pytest.approx(1 / 3) and len(graphs.vertex_boundary(path, U)) / len(U) == pytest.approx(h)
    two = np.kron(np.eye(2), np.ones((3, 3)) - np.eye(3))
    assert graphs.cheeger_constant(two) == 0.0  # disconnected


@pytest.mark.parametrize("seed", range(4))
def test_cheeger_matches_brute_force(seed):
    A = graphs.random_regular(10, 3, seed=seed)
    assert graphs.cheeger_constant(A) == pytest.approx(brute_force_cheeger(A))


def test_cheeger_refuses_large_graphs():
    with pytest.raises(ValueError, match="at most 20"):
        graphs.cheeger_constant(graphs.random_regular(22, 3, seed=0))


@pytest.mark.parametrize("seed", range(6))
def test_vertex_cheeger_buser_bounds_hold(seed):
    d = 3
    A = graphs.random_regular(14, d, seed=seed)
    h = graphs.cheeger_constant(A)
    gap = graphs.spectral_gap(A)
    assert graphs.alon_milman_lower(gap, d) <= h + 1e-12
    assert h <= graphs.alon_upper(gap) + 1e-12


def test_n_components_ignores_isolated():
    B = np.zeros((4, 4))
    B[0, 0] = B[1, 1] = 1
    assert graphs.n_components(B) == 2
    assert graphs.n_components(B, ignore_isolated=False) == 6


def test_expansion_bounds_known_values():
    assert graphs.alon_upper(0.25) == pytest.approx(math.sqrt(2))  # 2 sqrt(0.25 / 0.5)
    assert graphs.alon_upper(0.5) == math.inf
    assert graphs.alon_milman_lower(1.0, 3) == pytest.approx(0.4)  # 2 / (3 + 2)
    for n in (3, 5, 8):
        K = np.ones((n, n)) - np.eye(n)
        assert graphs.spectral_gap(K) == pytest.approx(n)  # eigenvalues n-1 and -1


def cycle(n):
    C = np.zeros((n, n))
    for i in range(n):
        C[i, (i + 1) % n] = C[(i + 1) % n, i] = 1
    return C


def test_second_radius_known_spectra():
    # Petersen graph (2-subsets of 5, adjacent when disjoint): eigenvalues 3, 1, -2
    pairs = list(itertools.combinations(range(5), 2))
    P = np.array([[float(not set(a) & set(b)) for b in pairs] for a in pairs])
    assert graphs.second_radius(P) == pytest.approx(2)
    for d in (2, 4, 6):  # K_{d+1}: eigenvalues d and -1
        assert graphs.second_radius(np.ones((d + 1, d + 1)) - np.eye(d + 1)) == pytest.approx(1)
    # C_n: eigenvalues 2 cos(2πk/n); even n has -2 (as large as t1, so excluded), odd n reaches -2 cos(π/n)
    for n in (6, 8, 10):
        assert graphs.second_radius(cycle(n)) == pytest.approx(2 * math.cos(2 * math.pi / n))
    for n in (5, 7, 9):
        assert graphs.second_radius(cycle(n)) == pytest.approx(2 * math.cos(math.pi / n))


def test_spectrum_grid_of_complete_graphs_by_hand():
    # K4 is the only 3-regular graph on 4 vertices, K6 the only 5-regular one on 6: spectra d, -1, ..., -1
    hist, summary = graphs.spectrum_grid([3, 5], [4, 6, 7], seeds=[0, 1])
    assert sorted(set(zip(summary["d"], summary["n"]))) == [(3, 4), (3, 6), (5, 6)]  # 3 x 7 odd, 5 >= 4 skipped
    k4 = summary[(summary["d"] == 3) & (summary["n"] == 4)]
    assert np.allclose(k4["t"], 1.0) and k4["ramanujan"].all()
    assert np.allclose(k4["bound"], 2 * np.sqrt(2), atol=1e-4)
    counts = hist.groupby(["d", "n", "seed"])["count"].sum()
    assert counts.loc[(3, 4, 0)] == 3 and counts.loc[(5, 6, 1)] == 5  # every eigenvalue but the trivial d
    k6 = hist[(hist["d"] == 5) & (hist["n"] == 6) & (hist["seed"] == 0)]  # -1 sits on a bin edge (width 0.25)
    assert k6["count"].sum() == 5 and k6["lo"].min() >= -1.25 and k6["hi"].max() <= -0.75
