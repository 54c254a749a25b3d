"""lstm_utils.torch_layout: our (H, H + D) gate weights <-> nn.LSTM's stacked i, f, g, o layout."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import lstm_utils as lu
from helpers import naive_sigmoid

D, H = 3, 4


@pytest.fixture
def params():
    p = lu.init_lstm(D, H, rng=7)
    rng = np.random.default_rng(8)
    return {k: v + rng.normal(size=v.shape) if k.startswith("b") else v for k, v in p.items()}


def test_shapes_and_zero_hidden_bias(params):
    w = lu.to_torch_layout(params)
    assert set(w) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    assert w["weight_ih"].shape == (4 * H, D)
    assert w["weight_hh"].shape == (4 * H, H)
    assert w["bias_ih"].shape == w["bias_hh"].shape == (4 * H,)
    assert_array_equal(w["bias_hh"], 0.0)


@pytest.mark.parametrize("k, gate", list(enumerate("ifco")))
def test_gate_blocks_in_torch_order(params, k, gate):
    """PyTorch's row block k is gate i, f, g (= our c), o; hidden columns first in our weights."""
    w = lu.to_torch_layout(params)
    rows = slice(k * H, (k + 1) * H)
    assert_array_equal(w["weight_hh"][rows], params[f"W_{gate}"][:, :H])
    assert_array_equal(w["weight_ih"][rows], params[f"W_{gate}"][:, H:])
    assert_array_equal(w["bias_ih"][rows], params[f"b_{gate}"])


def test_round_trip_is_exact(params):
    back = lu.from_torch_layout(lu.to_torch_layout(params))
    assert list(back) == ["W_f", "b_f", "W_i", "b_i", "W_c", "b_c", "W_o", "b_o"]
    for k in params:
        assert_array_equal(back[k], params[k])
    again = lu.to_torch_layout(back)
    for k, v in lu.to_torch_layout(params).items():
        assert_array_equal(again[k], v)


def test_two_biases_are_summed(params):
    w = lu.to_torch_layout(params)
    split = np.linspace(-1.0, 1.0, 4 * H)
    p = lu.from_torch_layout({**w, "bias_ih": w["bias_ih"] - split, "bias_hh": split})
    for k in params:
        np.testing.assert_allclose(p[k], params[k], rtol=0, atol=1e-15)
    # bias_hh missing or None means zero
    for extra in ({}, {"bias_hh": None}):
        q = lu.from_torch_layout({k: w[k] for k in ("weight_ih", "weight_hh", "bias_ih")} | extra)
        assert_array_equal(q["b_i"], params["b_i"])


def test_same_network_after_mapping(params):
    """The mapped weights, mapped back, compute the same LSTM: nothing is lost or reordered."""
    rng = np.random.default_rng(9)
    xs = rng.normal(size=(4, 2, D))
    hs, _, _ = lu.lstm_forward(xs, None, None, params)
    hs2, _, _ = lu.lstm_forward(xs, None, None, lu.from_torch_layout(lu.to_torch_layout(params)))
    assert_array_equal(hs, hs2)


def test_float32_kept(params):
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    w = lu.to_torch_layout(p32)
    assert all(v.dtype == np.float32 for v in w.values())
    assert all(v.dtype == np.float32 for v in lu.from_torch_layout(w).values())


def test_bad_input_to_torch_layout(params):
    with pytest.raises(ValueError, match=r"params: missing key\(s\) 'b_o'"):
        lu.to_torch_layout({k: v for k, v in params.items() if k != "b_o"})
    bad = dict(params, W_c=np.zeros((H, H + D + 1)))
    with pytest.raises(ValueError, match=r"params\['W_c'\].*expected shape.*\(4, 7\).*got \(4, 8\)"):
        lu.to_torch_layout(bad)
    with pytest.raises(ValueError, match="params"):
        lu.to_torch_layout([1, 2])


@pytest.mark.parametrize("key, shape, pattern", [
    ("weight_ih", (4 * H + 1, D), r"weights\['weight_ih'\]: expected shape \(4H, D\).*got \(17, 3\)"),
    ("weight_ih", (4 * H,), r"weights\['weight_ih'\]: expected shape \(4H, D\).*got \(16,\)"),
    ("weight_hh", (4 * H, H + 1), r"weights\['weight_hh'\]: expected shape .*\(16, 4\), got \(16, 5\)"),
    ("bias_ih", (4 * H + 1,), r"weights\['bias_ih'\]: expected shape .*\(16,\), got \(17,\)"),
    ("bias_hh", (H,), r"weights\['bias_hh'\]: expected shape .*\(16,\), got \(4,\)"),
])
def test_bad_input_from_torch_layout(params, key, shape, pattern):
    w = lu.to_torch_layout(params)
    w[key] = np.zeros(shape)
    with pytest.raises(ValueError, match=pattern):
        lu.from_torch_layout(w)


def test_missing_key_from_torch_layout(params):
    w = lu.to_torch_layout(params)
    del w["weight_hh"]
    with pytest.raises(ValueError, match=r"missing key\(s\) 'weight_hh'"):
        lu.from_torch_layout(w)
    with pytest.raises(ValueError, match="weights: expected a dict"):
        lu.from_torch_layout(None)


# ---------------------------------------------------------------------------------------------------------------
# The GRU: nn.GRU's state dict, gate order r, z, n, and PyTorch's update gate = our 1 - z
from lstm_utils.torch_layout import TORCH_GRU_KEYS, from_torch_gru, to_torch_gru  # noqa: E402


@pytest.fixture
def gru_params():
    p = lu.init_gru(D, H, rng=7)
    rng = np.random.default_rng(8)
    return {k: v + rng.normal(size=v.shape) if k.startswith("b") else v for k, v in p.items()}


def test_gru_state_dict_names_shapes_and_blocks(gru_params):
    w = to_torch_gru(gru_params)
    assert list(w) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"] == list(TORCH_GRU_KEYS)
    assert w["weight_ih_l0"].shape == (3 * H, D) and w["weight_hh_l0"].shape == (3 * H, H)
    assert w["bias_ih_l0"].shape == w["bias_hh_l0"].shape == (3 * H,)
    assert_array_equal(w["bias_hh_l0"], 0.0)
    for k, (gate, sign) in enumerate([("r", 1), ("z", -1), ("h", 1)]):   # PyTorch's r, z, n; z negated
        rows = slice(k * H, (k + 1) * H)
        assert_array_equal(w["weight_hh_l0"][rows], sign * gru_params[f"W_{gate}"][:, :H])
        assert_array_equal(w["weight_ih_l0"][rows], sign * gru_params[f"W_{gate}"][:, H:])
        assert_array_equal(w["bias_ih_l0"][rows], sign * gru_params[f"b_{gate}"])


def test_gru_remember_bias_changes_sign():
    """b_z = -1 (our start that keeps most of h_{t-1}) is PyTorch's b_iz + b_hz = +1."""
    w = to_torch_gru(lu.init_gru(D, H, rng=0, update_bias=-1.0))
    assert_array_equal(w["bias_ih_l0"][H:2 * H] + w["bias_hh_l0"][H:2 * H], np.ones(H))


def test_gru_torch_equations_reproduce_reset_after(gru_params):
    """nn.GRU's equations, written out in numpy on the mapped weights, give gru_forward(..., reset_after=True)."""
    w = to_torch_gru(gru_params)
    rng = np.random.default_rng(3)
    xs, h = rng.normal(size=(5, 2, D)), rng.normal(size=(2, H))
    hs, _ = lu.gru_forward(xs, h, gru_params, reset_after=True)
    for t in range(5):
        gi = xs[t] @ w["weight_ih_l0"].T + w["bias_ih_l0"]
        gh = h @ w["weight_hh_l0"].T + w["bias_hh_l0"]
        r, z = naive_sigmoid(gi[:, :H] + gh[:, :H]), naive_sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - z) * n + z * h
        np.testing.assert_allclose(hs[t], h, rtol=1e-12, atol=1e-14)


def test_gru_round_trip_is_exact(gru_params):
    back = from_torch_gru(to_torch_gru(gru_params))
    assert list(back) == ["W_z", "b_z", "W_r", "b_r", "W_h", "b_h"]
    for k in gru_params:
        assert_array_equal(back[k], gru_params[k])


def test_gru_biases_summed_except_the_reset_candidate_bias(gru_params):
    w = to_torch_gru(gru_params)
    split = np.zeros(3 * H)
    split[: 2 * H] = np.linspace(-1, 1, 2 * H)
    back = from_torch_gru({**w, "bias_ih_l0": w["bias_ih_l0"] - split, "bias_hh_l0": split})
    for k in gru_params:
        np.testing.assert_allclose(back[k], gru_params[k], rtol=0, atol=1e-15)
    split[2 * H] = 0.5
    with pytest.raises(ValueError, match=r"bias_hh_l0.*n block"):
        from_torch_gru({**w, "bias_hh_l0": split})


def test_gru_float32_kept(gru_params):
    w = to_torch_gru({k: v.astype(np.float32) for k, v in gru_params.items()})
    assert all(v.dtype == np.float32 for v in w.values())


def test_gru_bad_input(gru_params):
    with pytest.raises(ValueError, match=r"params: missing key\(s\) 'b_r'"):
        to_torch_gru({k: v for k, v in gru_params.items() if k != "b_r"})
    with pytest.raises(ValueError, match=r"weights\['weight_ih_l0'\]: expected shape \(3H, D\)"):
        from_torch_gru({**to_torch_gru(gru_params), "weight_ih_l0": np.zeros((3 * H + 1, D))})
    with pytest.raises(TypeError, match="weights: expected a dict"):
        from_torch_gru(None)
