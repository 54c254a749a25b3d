"""The package against PyTorch's ``nn.LSTM`` and ``nn.GRU``: reference values shipped as package data
(``lstm_utils/results/torch_*_reference.*``), made once by ``scripts/make_torch_reference.py`` (torch==2.13.0,
float64) and read with :func:`lstm_utils.torch_layout.torch_reference`. torch is not imported here."""

from importlib import resources

import numpy as np
import pytest
from numpy.testing import assert_allclose

import lstm_utils as lu
from lstm_utils.torch_layout import TORCH_GRU_KEYS, from_torch_gru, to_torch_gru, torch_reference

TOL = dict(rtol=1e-10, atol=1e-10)


@pytest.fixture(scope="module")
def ref():
    return torch_reference("lstm")


@pytest.fixture(scope="module")
def gru_ref():
    return torch_reference("gru")


@pytest.fixture(scope="module")
def ours(ref):
    params = lu.from_torch_layout({k: ref[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
    hs, cs, cache = lu.lstm_forward(ref["xs"], ref["h0"], ref["c0"], params)
    grads, dxs, dh0, dc0 = lu.lstm_backward(ref["dhs"], cache, dc_last=ref["dc_last"])
    return {"params": params, "hs": hs, "cs": cs, "grads": grads, "dxs": dxs, "dh0": dh0, "dc0": dc0}


@pytest.fixture(scope="module")
def gru_ours(gru_ref):
    params = from_torch_gru({k: gru_ref[k] for k in TORCH_GRU_KEYS})
    hs, cache = lu.gru_forward(gru_ref["xs"], gru_ref["h0"], params, reset_after=True)
    grads, dxs, dh0 = lu.gru_backward(gru_ref["dhs"], cache)
    return {"params": params, "hs": hs, "grads": grads, "dxs": dxs, "dh0": dh0}


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_reference_is_package_data_small_float64_and_documented(cell):
    data = resources.files("lstm_utils").joinpath("results", f"torch_{cell}_reference.npz")
    assert len(data.read_bytes()) < 20_000
    r = torch_reference(cell)
    note = r.pop("note")
    assert all(v.dtype == np.float64 for v in r.values())
    assert note["torch"].startswith("2.13.0") and note["dtype"] == "float64"
    T, B, D, H = (note["sizes"][k] for k in "TBDH")
    G = {"lstm": 4, "gru": 3}[cell]
    suffix = "_l0" if cell == "gru" else ""
    assert r["xs"].shape == (T, B, D) and r["hs"].shape == (T, B, H)
    assert r[f"weight_ih{suffix}"].shape == (G * H, D) and r[f"weight_hh{suffix}"].shape == (G * H, H)
    # the reference is not degenerate: nonzero initial states, biases and upstream gradients
    for k in ("h0", "c0", "bias_ih", "dhs", "dc_last") if cell == "lstm" else ("h0", "bias_ih_l0", "dhs"):
        assert np.abs(r[k]).min() > 0, k
    assert max(note["max_abs_diff_ours_vs_torch"].values()) < 1e-14


def test_torch_reference_refuses_an_unknown_cell():
    with pytest.raises(ValueError, match=r"cell: expected one of 'lstm', 'gru', got 'rnn'"):
        torch_reference("rnn")


# ---------------------------------------------------------------------------------------------------- LSTM
def test_forward_matches_torch(ref, ours):
    assert_allclose(ours["hs"], ref["hs"], **TOL)
    assert_allclose(ours["hs"][-1], ref["h_T"], **TOL)
    assert_allclose(ours["cs"][-1], ref["c_T"], **TOL)
    loss = (ref["dhs"] * ours["hs"]).sum() + (ref["dc_last"] * ours["cs"][-1]).sum()
    assert_allclose(loss, ref["loss"], **TOL)


def test_parameter_gradients_match_torch(ref, ours):
    g = lu.to_torch_layout(ours["grads"])
    assert_allclose(g["weight_ih"], ref["grad_weight_ih"], **TOL)
    assert_allclose(g["weight_hh"], ref["grad_weight_hh"], **TOL)
    # PyTorch's two biases enter only as a sum, so each gets the gradient of our single bias
    assert_allclose(g["bias_ih"], ref["grad_bias_ih"], **TOL)
    assert_allclose(g["bias_ih"], ref["grad_bias_hh"], **TOL)


def test_gradients_in_our_layout_match_torch(ref, ours):
    torch_grads = lu.from_torch_layout({"weight_ih": ref["grad_weight_ih"], "weight_hh": ref["grad_weight_hh"],
                                        "bias_ih": ref["grad_bias_ih"]})
    for k, v in ours["grads"].items():
        assert_allclose(v, torch_grads[k], **TOL, err_msg=k)


def test_input_and_state_gradients_match_torch(ref, ours):
    assert_allclose(ours["dxs"], ref["grad_xs"], **TOL)
    assert_allclose(ours["dh0"], ref["grad_h0"], **TOL)
    assert_allclose(ours["dc0"], ref["grad_c0"], **TOL)


# ---------------------------------------------------------------------------------------------------- GRU
def test_gru_forward_matches_torch(gru_ref, gru_ours):
    assert_allclose(gru_ours["hs"], gru_ref["hs"], **TOL)
    assert_allclose(gru_ours["hs"][-1], gru_ref["h_T"], **TOL)
    assert_allclose((gru_ref["dhs"] * gru_ours["hs"]).sum(), gru_ref["loss"], **TOL)


def test_gru_weights_round_trip_through_torch_layout(gru_ref, gru_ours):
    back = to_torch_gru(gru_ours["params"])
    for k in TORCH_GRU_KEYS:
        assert_allclose(back[k], gru_ref[k], rtol=0, atol=1e-15, err_msg=k)


def test_gru_parameter_gradients_match_torch(gru_ref, gru_ours):
    g = to_torch_gru(gru_ours["grads"])
    ih, hh, bih, bhh = TORCH_GRU_KEYS
    for k in (ih, hh, bih):
        assert_allclose(g[k], gru_ref[f"grad_{k}"], **TOL, err_msg=k)
    H = gru_ref["h0"].shape[1]
    # the r and z blocks of the two biases are added, so they get the same gradient; PyTorch's b_hn sits inside
    # the reset gate: its gradient is the candidate's pre-activation gradient times r_t
    assert_allclose(g[bih][: 2 * H], gru_ref[f"grad_{bhh}"][: 2 * H], **TOL)


def test_gru_gradients_in_our_layout_match_torch(gru_ref, gru_ours):
    ih, hh, bih, _ = TORCH_GRU_KEYS
    torch_grads = from_torch_gru({ih: gru_ref[f"grad_{ih}"], hh: gru_ref[f"grad_{hh}"],
                                  bih: gru_ref[f"grad_{bih}"]})
    for k, v in gru_ours["grads"].items():
        assert_allclose(v, torch_grads[k], **TOL, err_msg=k)


def test_gru_input_and_state_gradients_match_torch(gru_ref, gru_ours):
    assert_allclose(gru_ours["dxs"], gru_ref["grad_xs"], **TOL)
    assert_allclose(gru_ours["dh0"], gru_ref["grad_h0"], **TOL)


def test_gru_default_placement_is_not_torchs(gru_ref, gru_ours):
    """reset_after=False (the course's default, Cho et al.'s placement) is a different function of the same
    parameters: it does not reproduce nn.GRU."""
    hs, _ = lu.gru_forward(gru_ref["xs"], gru_ref["h0"], gru_ours["params"])
    assert np.abs(hs - gru_ref["hs"]).max() > 1e-3
