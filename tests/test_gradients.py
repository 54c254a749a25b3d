"""Tests for lstm_utils.gradients: Jacobians against finite differences, against BPTT, and against the bound."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose

import lstm_utils as lu
from helpers import rnn_problem
from lstm_utils import gradients as g

T, B, D, H = 6, 3, 2, 4


def _setup(seed=0, T=T, B=B, D=D, H=H, scale=None):
    """The RNN problem of ``helpers.rnn_problem`` run forward: ``(params, xs, h0, hs, cache)``."""
    xs, h0, p, _ = rnn_problem(T, B, D, H, seed=seed, scale=scale)
    hs, cache = lu.rnn_forward(xs, h0, p)
    return p, xs, h0, hs, cache


def _numerical_jacobian(f, x):
    """d f(x) / d x for f: (B, H) -> (B, H), per sequence: shape (B, H_out, H_in)."""
    out = f()
    J = np.empty((out.shape[0], out.shape[1], x.shape[1]))
    for b in range(out.shape[0]):
        for i in range(out.shape[1]):
            J[b, i] = lu.numerical_gradient(lambda b=b, i=i: f()[b, i], x)[b]
    return J


# ---- step Jacobians and their products -----------------------------------------------------------------------
def test_step_jacobian_matches_finite_differences():
    p, xs, h0, hs, _ = _setup()
    J = g.step_jacobians(hs, p)
    assert J.shape == (T, B, H, H)
    for t in (1, 4):                                # J[t - 1] = dh_t / dh_{t-1}
        h_prev = hs[t - 2].copy() if t > 1 else h0.copy()
        num = _numerical_jacobian(lambda t=t, h_prev=h_prev: lu.rnn_step(xs[t - 1], h_prev, p)[0], h_prev)
        assert lu.relative_error(J[t - 1], num) < 1e-7


@pytest.mark.parametrize("t", [0, 2, T - 1, T])
def test_jacobian_product_matches_finite_differences(t):
    p, xs, h0, hs, _ = _setup(seed=1)
    P = g.jacobian_product(hs, p, t)
    h_t = (hs[t - 1] if t > 0 else h0).copy()
    if t == T:
        assert_allclose(P, np.broadcast_to(np.eye(H), (B, H, H)))
        return
    num = _numerical_jacobian(lambda: lu.rnn_forward(xs[t:], h_t, p)[0][-1], h_t)
    assert lu.relative_error(P, num) < 1e-7


def test_jacobian_product_is_the_product_of_step_jacobians():
    p, xs, h0, hs, _ = _setup(seed=2)
    J = g.step_jacobians(hs, p)
    P = np.broadcast_to(np.eye(H), (B, H, H))
    for t in range(T, 1, -1):
        P = P @ J[t - 1]
    assert_allclose(g.jacobian_product(hs, p, 1), P, rtol=1e-12, atol=1e-15)


def test_jacobian_norms_are_the_spectral_norms_of_the_products():
    p, xs, h0, hs, _ = _setup(seed=3)
    norms = g.jacobian_norms(hs, p)
    assert norms.shape == (T + 1, B)
    assert_allclose(norms[T], 1.0)
    for t in range(T + 1):
        expected = [np.linalg.norm(m, 2) for m in g.jacobian_product(hs, p, t)]
        assert_allclose(norms[t], expected, rtol=1e-10)


# ---- BPTT: what rnn_backward propagates is the same Jacobian product -------------------------------------------
def test_bptt_propagates_the_jacobian_product():
    p, xs, h0, hs, cache = _setup(seed=4)
    v = np.random.default_rng(5).normal(size=(B, H))
    dhs = np.zeros_like(hs)
    dhs[-1] = v                                     # the loss reads only h_T: L = sum(v * h_T)
    grads_h = g.hidden_state_grads(dhs, cache)
    for t in range(T + 1):
        expected = np.einsum("bi,bij->bj", v, g.jacobian_product(hs, p, t))   # v^T dh_T/dh_t
        assert lu.relative_error(grads_h[t], expected) < 1e-12
    _, _, dh0 = lu.rnn_backward(dhs, cache)
    assert_allclose(grads_h[0], dh0, rtol=1e-12, atol=1e-15)
    assert_allclose(g.bptt_grad_norms(dhs, cache), np.linalg.norm(grads_h, axis=-1))


@pytest.mark.parametrize("t", [0, 1, 3, T])
def test_hidden_state_grads_match_finite_differences(t):
    p, xs, h0, hs, cache = _setup(seed=6)
    dhs = np.random.default_rng(7).normal(size=hs.shape)   # the loss reads every step: L = sum(dhs * hs)
    grads_h = g.hidden_state_grads(dhs, cache)
    h_t = (hs[t - 1] if t > 0 else h0).copy()

    def loss_from_h_t():                                  # L as a function of h_t, the earlier steps held fixed
        own = np.sum(dhs[t - 1] * h_t) if t > 0 else 0.0
        later = np.sum(dhs[t:] * lu.rnn_forward(xs[t:], h_t, p)[0]) if t < T else 0.0
        return own + later

    assert lu.relative_error(grads_h[t], lu.numerical_gradient(loss_from_h_t, h_t)) < 1e-7


# ---- spectrum, bound and construction ------------------------------------------------------------------------
def test_largest_singular_value_and_spectral_radius_of_the_recurrent_block():
    W = np.random.default_rng(8).normal(size=(H, H + D))
    assert g.largest_singular_value(W) == pytest.approx(np.linalg.norm(W[:, :H], 2), rel=1e-12)
    assert g.largest_singular_value({"W_h": W}) == pytest.approx(np.linalg.norm(W[:, :H], 2), rel=1e-12)
    assert g.spectral_radius(W) == pytest.approx(np.max(np.abs(np.linalg.eigvals(W[:, :H]))), rel=1e-12)
    assert g.spectral_radius(W) <= g.largest_singular_value(W) + 1e-12
    assert_allclose(g.recurrent_block(W), W[:, :H])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), lam=st.floats(0.2, 3.0), x_scale=st.floats(0.0, 3.0),
       orthogonal=st.booleans())
def test_measured_norms_never_exceed_the_pascanu_bound(seed, lam, x_scale, orthogonal):
    T_ = 30
    p = g.init_rnn_spectral(D, H, largest_singular_value=lam, orthogonal=orthogonal, rng=seed)
    xs = np.random.default_rng(seed + 1).normal(0, x_scale, size=(T_, 2, D))
    hs, _ = lu.rnn_forward(xs, None, p)
    norms = g.jacobian_norms(hs, p)
    bound = g.pascanu_bound(lam, T_ - np.arange(T_ + 1))
    assert np.all(norms <= bound[:, None] * (1 + 1e-9))


def test_pascanu_bound_values_and_threshold():
    d = np.array([0, 1, 10, 50])
    assert_allclose(g.pascanu_bound(0.9, d), 0.9**d)
    assert_allclose(g.pascanu_bound(2.0, d, activation="sigmoid"), 0.5**d)
    assert g.critical_singular_value("tanh") == 1.0
    assert g.critical_singular_value("sigmoid") == 4.0
    W = g.init_rnn_spectral(D, H, largest_singular_value=0.7, rng=0)["W_h"]
    assert_allclose(g.pascanu_bound(W, d), 0.7**d, rtol=1e-10)


def test_in_the_linear_regime_the_norm_follows_lambda_to_the_distance():
    # Orthogonal W_hh times lambda, inputs ~0: h stays ~0, tanh' ~ 1, so dh_T/dh_t = (lambda Q)^(T-t) exactly-ish.
    T_ = 40
    for lam in (0.8, 1.2):
        p = g.init_rnn_spectral(D, H, largest_singular_value=lam, orthogonal=True, rng=9)
        hs, _ = lu.rnn_forward(np.zeros((T_, 1, D)), None, p)
        norms = g.jacobian_norms(hs, p)[:, 0]
        assert_allclose(norms, lam ** (T_ - np.arange(T_ + 1)), rtol=1e-10)


@pytest.mark.parametrize("orthogonal", [False, True])
def test_init_rnn_spectral_hits_its_target(orthogonal):
    p = g.init_rnn_spectral(D, H, largest_singular_value=1.3, orthogonal=orthogonal, rng=10)
    assert p["W_h"].shape == (H, H + D) and p["b_h"].shape == (H,)
    assert g.largest_singular_value(p) == pytest.approx(1.3, rel=1e-12)
    q = g.init_rnn_spectral(D, H, spectral_radius=0.95, orthogonal=orthogonal, rng=10)
    assert g.spectral_radius(q) == pytest.approx(0.95, rel=1e-10)
    if orthogonal:                                  # every singular value equals the target
        assert_allclose(np.linalg.svd(p["W_h"][:, :H], compute_uv=False), 1.3, rtol=1e-12)
    again = g.init_rnn_spectral(D, H, largest_singular_value=1.3, orthogonal=orthogonal, rng=10)
    assert_allclose(again["W_h"], p["W_h"])         # seeded
    f32 = g.init_rnn_spectral(D, H, largest_singular_value=1.3, rng=10, dtype=np.float32)
    assert f32["W_h"].dtype == np.float32


def test_float32_in_float32_out():
    p, xs, h0, hs, cache = _setup(seed=11)
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    hs32, cache32 = lu.rnn_forward(xs.astype(np.float32), h0.astype(np.float32), p32)
    assert g.step_jacobians(hs32, p32).dtype == np.float32
    assert g.jacobian_norms(hs32, p32).dtype == np.float32
    assert g.hidden_state_grads(np.ones_like(hs32), cache32).dtype == np.float32
    assert_allclose(g.jacobian_norms(hs32, p32), g.jacobian_norms(hs, p), rtol=1e-4)


# ---- clipping ------------------------------------------------------------------------------------------------
def test_clip_grad_norm_rescales_all_parameters_together():
    rng = np.random.default_rng(12)
    grads = {"W_h": rng.normal(size=(H, H + D)) * 10, "b_h": rng.normal(size=H)}
    before = {k: v.copy() for k, v in grads.items()}
    norm = np.sqrt(sum(np.sum(v**2) for v in grads.values()))
    clipped, reported = g.clip_grad_norm(grads, 1.5)
    assert reported == pytest.approx(norm, rel=1e-12)
    assert g.global_norm(clipped) == pytest.approx(1.5, rel=1e-12)
    for k in grads:                                 # same direction: every array scaled by the same factor
        assert_allclose(clipped[k], grads[k] * 1.5 / norm, rtol=1e-12)
        assert_allclose(grads[k], before[k])        # the input is not modified


def test_clip_grad_norm_leaves_a_small_gradient_alone():
    grads = {"W_h": np.full((2, 3), 1e-8), "b_h": np.zeros(2, dtype=np.float32)}
    clipped, norm = g.clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(np.sqrt(6) * 1e-8)
    assert_allclose(clipped["W_h"], grads["W_h"], rtol=0)
    assert clipped["b_h"].dtype == np.float32


# ---- bad input -----------------------------------------------------------------------------------------------
_p, _xs, _h0, _hs, _cache = _setup(seed=13)
_W_nan = _p["W_h"].copy()
_W_nan[1, 2] = np.nan
_hs_nan = _hs.copy()
_hs_nan[2, 0, 1] = np.inf
_lstm_cache = lu.lstm_forward(np.ones((T, B, D)), None, None, lu.init_lstm(D, H, rng=0))[2]

BAD_INPUT = [
    pytest.param(lambda: g.jacobian_norms(_hs[..., :-1], _p), ValueError,
                 rf"hs: expected shape \(T, B, H\) = \(\*, \*, {H}\), got \({T}, {B}, {H - 1}\)", id="hs-shape"),
    pytest.param(lambda: g.step_jacobians(_hs, np.ones((H + D, H))), ValueError,
                 rf"W_h: expected shape \(H, H \+ D\).*got \({H + D}, {H}\)", id="W_h-shape"),
    pytest.param(lambda: g.largest_singular_value({"W_x": np.ones((2, 3))}), ValueError, r"W_h: .*key 'W_h'.*W_x",
                 id="W_h-dict-key"),
    pytest.param(lambda: g.jacobian_product(_hs, _p, T + 1), ValueError,
                 rf"t: expected an integer step in 0..T = 0..{T}, got {T + 1}", id="t-range"),
    pytest.param(lambda: g.hidden_state_grads(np.ones((T, B, H + 1)), _cache), ValueError,
                 rf"dhs: expected shape \(T, B, H\).*got \({T}, {B}, {H + 1}\)", id="dhs-shape"),
    pytest.param(lambda: g.init_rnn_spectral(D, H, rng=0), ValueError, "exactly one", id="spectral-neither"),
    pytest.param(lambda: g.init_rnn_spectral(D, H, largest_singular_value=1.0, spectral_radius=1.0), ValueError,
                 "exactly one", id="spectral-both"),
    pytest.param(lambda: g.init_rnn_spectral(D, H, largest_singular_value=-1.0), ValueError,
                 r"largest_singular_value: .*non-negative.*-1\.0", id="spectral-negative"),
    pytest.param(lambda: g.pascanu_bound(0.9, 3, activation="relu"), ValueError, r"activation: .*'relu'",
                 id="activation"),
    pytest.param(lambda: g.pascanu_bound(0.9, -1), ValueError, r"distance: .*non-negative", id="distance"),
    pytest.param(lambda: g.pascanu_bound([0.9], 3), ValueError, r"lambda_1: .*shape \(1,\)", id="lambda_1-list"),
    pytest.param(lambda: g.pascanu_bound("0.9", 3), TypeError, r"lambda_1: .*str", id="lambda_1-str"),
    pytest.param(lambda: g.pascanu_bound(-0.5, 3), ValueError, r"lambda_1: .*non-negative", id="lambda_1-negative"),
    # NaN and inf: refused before LAPACK (which would raise LinAlgError and print to stderr)
    pytest.param(lambda: g.largest_singular_value(_W_nan), ValueError,
                 r"W_h: expected finite values, got nan at index \(1, 2\)", id="svd-nan"),
    pytest.param(lambda: g.spectral_radius(_W_nan), ValueError, r"W_h: .*finite.*\(1, 2\)", id="eig-nan"),
    pytest.param(lambda: g.jacobian_norms(_hs_nan, _p), ValueError, r"hs: .*finite.*inf at index \(2, 0, 1\)",
                 id="hs-inf"),
    pytest.param(lambda: g.jacobian_norms(_hs, _W_nan), ValueError, r"W_h: .*finite", id="W_h-nan"),
    pytest.param(lambda: g.hidden_state_grads(np.full((T, B, H), np.nan), _cache), ValueError, r"dhs: .*finite",
                 id="dhs-nan"),
    # caches
    pytest.param(lambda: g.hidden_state_grads(np.ones((T, B, H)), None), TypeError,
                 r"cache: expected the cache returned by rnn_forward.*got NoneType", id="cache-None"),
    pytest.param(lambda: g.hidden_state_grads(np.ones((T, B, H)), {}), TypeError, r"cache: .*keys none",
                 id="cache-empty"),
    pytest.param(lambda: g.hidden_state_grads(np.ones((T, B, H)), _lstm_cache), ValueError, r"cache: .*rnn_forward",
                 id="cache-lstm"),
    # clipping
    *[pytest.param(lambda bad=bad: g.clip_grad_norm({"W_h": np.ones(2)}, bad), ValueError, r"max_norm: ",
                   id=f"max_norm-{bad!r}") for bad in (0, -1.0, float("nan"), float("inf"), True, "1")],
    *[pytest.param(lambda bad=bad: g.clip_grad_norm(bad, 1.0), ValueError, r"grads: expected a non-empty dict",
                   id=f"grads-{type(bad).__name__}") for bad in ({}, [np.ones(2)], np.ones(2))],
    pytest.param(lambda: g.clip_grad_norm({"W_h": np.array(["a"])}, 1.0), ValueError, r"grads\['W_h'\]: .*<U1",
                 id="grads-str"),
    pytest.param(lambda: g.clip_grad_norm({"W_h": np.array([1.0, np.nan])}, 1.0), ValueError,
                 r"grads\['W_h'\]: expected finite values, got nan at index \(1,\)", id="grads-nan"),
    pytest.param(lambda: g.clip_grad_norm({"b": np.zeros(1), "W_h": np.array([np.inf, 0.0])}, 1.0), ValueError,
                 r"grads\['W_h'\]: .*inf at index \(0,\)", id="grads-inf"),
    pytest.param(lambda: g.global_norm({"W_h": np.array([[0.0, -np.inf]])}), ValueError,
                 r"grads\['W_h'\]: .*\(0, 1\)", id="global_norm-inf"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT)
def test_bad_input_is_refused_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_norms_and_clipping_keep_the_direction_near_1e200_and_beyond():
    big = {"W": np.array([3e200, 4e200]), "b": np.array([0.0])}
    assert g.global_norm(big) == pytest.approx(5e200, rel=1e-14)
    clipped, norm = g.clip_grad_norm(big, 1.0)
    assert norm == pytest.approx(5e200, rel=1e-14)
    assert_allclose(clipped["W"], [0.6, 0.8], rtol=1e-14) and clipped["b"][0] == 0.0
    # a norm beyond the largest float64 is reported as inf, and the clipped gradient still points the same way
    clipped, norm = g.clip_grad_norm({"W": np.array([1.5e308, 1.5e308])}, 2.0)
    assert norm == np.inf
    assert_allclose(clipped["W"], [2 ** 0.5, 2 ** 0.5], rtol=1e-14)
    # tiny gradients: no underflow to zero
    assert g.global_norm({"W": np.array([3e-200, 4e-200])}) == pytest.approx(5e-200, rel=1e-14)


def test_clipping_is_bit_identical_to_the_plain_formula_at_ordinary_sizes():
    # the rounding of every stored training run depends on it
    rng = np.random.default_rng(0)
    grads = {"a": rng.normal(size=(30, 40)) * 3, "b": rng.normal(size=7).astype(np.float32)}
    norm = float(np.sqrt(sum(float(np.sum(v.astype(np.float64) ** 2)) for v in grads.values())))
    clipped, got = g.clip_grad_norm(grads, 1.0)
    assert got == norm
    for k, v in grads.items():
        assert np.array_equal(clipped[k], v * v.dtype.type(1.0 / norm)) and clipped[k].dtype == v.dtype


def test_public_names_are_exported():
    for name in ("step_jacobians", "jacobian_product", "jacobian_norms", "hidden_state_grads", "bptt_grad_norms",
                 "largest_singular_value", "spectral_radius", "pascanu_bound", "critical_singular_value",
                 "init_rnn_spectral", "global_norm", "clip_grad_norm"):
        assert getattr(lu, name) is getattr(g, name)


# ----------------------------------------------------------------------------------------------------------------
# geometric_mean: the average of norms over sequences
# ----------------------------------------------------------------------------------------------------------------

def test_geometric_mean_is_the_exponential_of_the_mean_log():
    from lstm_utils import geometric_mean

    v = np.array([[1e-3, 1e-9], [4.0, 1.0]])
    np.testing.assert_allclose(geometric_mean(v, axis=1), [1e-6, 2.0])
    np.testing.assert_allclose(geometric_mean(v), [np.sqrt(4e-3), np.sqrt(1e-9)])    # axis=0 by default
    assert geometric_mean(v, axis=None) == pytest.approx((1e-3 * 1e-9 * 4.0) ** 0.25)
    np.testing.assert_allclose(geometric_mean(np.ones((2, 3, 4)) * 5, axis=(1, 2)), [5.0, 5.0])


def test_geometric_mean_of_a_zero_is_zero_without_a_warning():
    from lstm_utils import geometric_mean

    np.testing.assert_array_equal(geometric_mean([[0.0, 2.0], [1.0, 1.0]], axis=1), [0.0, 1.0])


def test_geometric_mean_keeps_float32():
    from lstm_utils import geometric_mean

    assert geometric_mean(np.ones(3, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("values, axis, match", [
    ([], 0, r"values: expected at least one value"),
    ([1.0, -1.0], 0, r"values: expected finite non-negative numbers, got -1\.0 at index \(1,\)"),
    ([[1.0, np.nan]], 0, r"values: .*nan at index \(0, 1\)"),
    ([1.0, np.inf], 0, r"values: .*inf at index \(1,\)"),
    (["a"], 0, r"values: .*dtype <U1"),
    ([[1.0]], 2, r"axis: .*shape \(1, 1\), got 2"),
    ([[1.0]], "0", r"axis: .*got '0'"),
])
def test_geometric_mean_refuses_bad_input(values, axis, match):
    from lstm_utils import geometric_mean

    with pytest.raises(ValueError, match=match):
        geometric_mean(values, axis=axis)
