"""The package against PyTorch's ``nn.LSTM``: reference values in ``tests/data/``, made once by
``scripts/make_torch_reference.py`` (torch==2.13.0, float64). torch is not imported here."""

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import lstm_utils as lu

DATA = Path(__file__).parent / "data" / "torch_lstm_reference.npz"
TOL = dict(rtol=1e-10, atol=1e-10)


@pytest.fixture(scope="module")
def ref():
    with np.load(DATA) as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="module")
def ours(ref):
    params = lu.from_torch_layout({k: ref[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
    hs, cs, cache = lu.lstm_forward(ref["xs"], ref["h0"], ref["c0"], params)
    grads, dxs, dh0, dc0 = lu.lstm_backward(ref["dhs"], cache, dc_last=ref["dc_last"])
    return {"params": params, "hs": hs, "cs": cs, "grads": grads, "dxs": dxs, "dh0": dh0, "dc0": dc0}


def test_reference_file_is_small_float64_and_documented(ref):
    assert DATA.stat().st_size < 20_000
    assert all(v.dtype == np.float64 for v in ref.values())
    note = json.loads(DATA.with_suffix(".json").read_text())
    assert note["torch"].startswith("2.13.0")
    T, B, D, H = (note["sizes"][k] for k in "TBDH")
    assert ref["xs"].shape == (T, B, D) and ref["hs"].shape == (T, B, H)
    assert ref["weight_ih"].shape == (4 * H, D) and ref["weight_hh"].shape == (4 * H, H)
    # the reference is not degenerate: nonzero initial states, biases, and both loss terms
    for k in ("h0", "c0", "bias_ih", "dhs", "dc_last"):
        assert np.abs(ref[k]).min() > 0, k


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
