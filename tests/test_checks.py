"""Tests for lstm_utils._checks: the validation every cell uses to fail early with a clear ValueError."""

import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from lstm_utils._checks import as_real_array, check_params, check_sequence, check_shape, check_state, compute_dtype

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


def test_compute_dtype():
    assert compute_dtype(np.zeros(2)) == F64
    assert compute_dtype(np.zeros(2, np.float32)) == F32
    assert compute_dtype(np.zeros(2), np.zeros(2, np.float32)) == F32     # any float32 argument decides
    assert compute_dtype(None, np.zeros(2, np.float32)) == F32
    assert compute_dtype(None) == F64
    assert compute_dtype() == F64
    assert compute_dtype(np.zeros(2, int), [1.0, 2.0], 3) == F64
    assert compute_dtype(np.zeros(2, np.float16)) == F64
    assert compute_dtype(np.float32(1.0)) == F32


def test_compute_dtype_leaves_ragged_input_to_the_named_check():
    ragged = [[0.0, 1.0], [0.0]]
    assert compute_dtype(ragged) == F64
    with pytest.raises(ValueError, match="xs: expected a real numeric array, could not convert"):
        as_real_array("xs", ragged, F64)


@pytest.mark.parametrize("value, dtype", [
    (np.array([1, 2]), F64), (np.array([True]), F64), ([1.5, 2.5], F32), (np.zeros(2, np.float32), F64),
    (np.zeros(2, np.uint8), F32), (3, F64),
])
def test_as_real_array_converts_real_input(value, dtype):
    a = as_real_array("x", value, dtype)
    assert isinstance(a, np.ndarray) and a.dtype == dtype
    assert_array_equal(a, np.asarray(value, dtype=dtype))


def test_as_real_array_does_not_copy_when_it_need_not():
    x = np.zeros(3)
    assert as_real_array("x", x, F64) is x


@pytest.mark.parametrize("value, given", [
    (np.array(["a", "b"]), "<U1"), (np.array([1 + 2j]), "complex128"), (np.array([None]), "object"),
    (np.array(["1.0"]), "<U3"),
])
def test_as_real_array_refuses_non_real(value, given):
    with pytest.raises(ValueError, match=rf"h0: expected a real numeric array \(float32 or float64\), "
                                         rf"got dtype {given}"):
        as_real_array("h0", value, F64)


def test_check_shape_accepts_and_wildcards():
    check_shape("xs", np.zeros((5, 2, 3)), (None, None, 3), "T, B, D")
    check_shape("b", np.zeros(4), (4,), "H")
    check_shape("s", np.zeros(()), (), "")


@pytest.mark.parametrize("shape, expected, labels, message", [
    ((5, 2, 4), (None, None, 3), "T, B, D", "xs: expected shape (T, B, D) = (*, *, 3), got (5, 2, 4)"),
    ((5, 2), (None, None, 3), "T, B, D", "xs: expected shape (T, B, D) = (*, *, 3), got (5, 2)"),
    ((5,), (4,), "H", "xs: expected shape (H) = (4,), got (5,)"),
    ((4, 1), (4,), "H", "xs: expected shape (H) = (4,), got (4, 1)"),
])
def test_check_shape_message(shape, expected, labels, message):
    with pytest.raises(ValueError) as info:
        check_shape("xs", np.zeros(shape), expected, labels)
    assert str(info.value) == message


def _params(H=4, D=3, keys=("W_f", "W_i"), bias=("b_f", "b_i")):
    p = {k: np.ones((H, H + D)) for k in keys}
    p.update({k: np.zeros(H) for k in bias})
    return p


def test_check_params_returns_sizes_and_casts():
    p = _params()
    out, H, D = check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F32)
    assert (H, D) == (4, 3)
    assert set(out) == {"W_f", "W_i", "b_f", "b_i"}
    assert all(v.dtype == F32 for v in out.values())
    assert p["W_f"].dtype == F64                                          # the caller's dict is untouched


def test_check_params_ignores_extra_keys():
    p = _params()
    p["readout"] = np.zeros(7)
    out, _, _ = check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F64)
    assert "readout" not in out


@pytest.mark.parametrize("change, match", [
    ({"W_i": np.ones((4, 8))}, r"params\['W_i'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(4, 8\)"),
    ({"W_i": np.ones((5, 7))}, r"params\['W_i'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(5, 7\)"),
    ({"b_i": np.zeros(3)}, r"params\['b_i'\]: expected shape \(H\) = \(4,\), got \(3,\)"),
    # a misshaped FIRST weight is the one named: the sizes are those most arrays agree on
    ({"W_f": np.ones((4, 4))}, r"params\['W_f'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(4, 4\)"),
    ({"W_f": np.ones(28)}, r"params\['W_f'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(28,\)"),
    ({"W_f": np.ones((5, 7))}, r"params\['W_f'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(5, 7\)"),
    ({"W_f": np.ones((4, 7)) * 1j}, r"params\['W_f'\]: expected a real numeric array.*complex128"),
])
def test_check_params_messages(change, match):
    p = {**_params(), **change}
    with pytest.raises(ValueError, match=match):
        check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F64)


def test_check_params_input_size_breaks_a_tie():
    """Two weights disagreeing on D: the data's D (the forward functions pass it) decides which one is named."""
    p = {**_params(), "W_f": np.ones((4, 8))}
    with pytest.raises(ValueError, match=r"params\['W_f'\]: expected shape \(H, H \+ D\) = \(4, 7\), got \(4, 8\)"):
        check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F64, D=3)


def test_check_params_refuses_another_cells_keys():
    p = {**_params(keys=("W_h",), bias=("b_h",)), "W_z": np.ones((4, 7))}
    with pytest.raises(ValueError, match=r"params: key\(s\) 'W_z' belong to another cell"):
        check_params(p, ["W_h"], ["b_h"], F64, foreign=["W_z", "W_r"])


def test_check_params_missing_keys_and_wrong_type():
    p = _params()
    del p["b_i"], p["W_i"]
    with pytest.raises(ValueError, match=r"params: missing key\(s\) 'W_i', 'b_i'; expected keys W_f, W_i, b_f, b_i, "
                                         r"got W_f, b_f"):
        check_params(p, ["W_f", "W_i"], ["b_f", "b_i"], F64)
    with pytest.raises(ValueError, match="got none"):
        check_params({}, ["W_f"], ["b_f"], F64)
    with pytest.raises(ValueError, match="params: expected a dict with keys W_f, b_f, got list"):
        check_params([np.ones((4, 7)), np.zeros(4)], ["W_f"], ["b_f"], F64)


def test_check_sequence():
    xs = check_sequence(np.zeros((5, 2, 3), np.float32), 3, F64)
    assert xs.shape == (5, 2, 3) and xs.dtype == F64
    with pytest.raises(ValueError, match=r"xs: expected shape \(T, B, D\) = \(\*, \*, 3\), got \(5, 2\)"):
        check_sequence(np.zeros((5, 2)), 3, F64)
    with pytest.raises(ValueError, match=r"xs: expected at least one step and one sequence, got shape \(5, 0, 3\)"):
        check_sequence(np.zeros((5, 0, 3)), 3, F64)
    with pytest.raises(ValueError, match=r"xs: expected at least one step.*\(0, 2, 3\)"):
        check_sequence(np.zeros((0, 2, 3)), 3, F64)


def test_check_state():
    s = check_state("c0", None, 2, 4, F32)
    assert s.shape == (2, 4) and s.dtype == F32 and not s.any()
    s = check_state("c0", np.ones((2, 4), int), 2, 4, F64)
    assert s.dtype == F64
    with pytest.raises(ValueError, match=r"c0: expected shape \(B, H\) = \(2, 4\), got \(4, 2\)"):
        check_state("c0", np.ones((4, 2)), 2, 4, F64)
    with pytest.raises(ValueError, match=r"c0: expected shape \(B, H\) = \(2, 4\), got \(4,\)"):
        check_state("c0", np.ones(4), 2, 4, F64)


# ---------------------------------------------------------------------------------------------------------------
# Every public function of the cells refuses bad input by name (the robustness review's cases, as one table)
# ---------------------------------------------------------------------------------------------------------------
import lstm_utils as lu  # noqa: E402
from helpers import make_problem  # noqa: E402

T_, B_, D_, H_ = 3, 2, 3, 4


def _calls(cell):
    """Each public forward/backward of ``cell`` as (name, function of a problem dict, the array arguments)."""
    if cell == "rnn":
        def fwd(pb):
            return lu.rnn_forward(pb["xs"], pb["h0"], pb["params"])

        def bwd(pb):
            return lu.rnn_backward(pb["dhs"], lu.rnn_forward(pb["xs"], pb["h0"], pb["params"])[1])

        def step(pb):
            return lu.rnn_step(pb["xs"][0], pb["h0"], pb["params"])

        def step_bwd(pb):
            return lu.rnn_step_backward(pb["dhs"][0], lu.rnn_step(pb["xs"][0], pb["h0"], pb["params"])[1])
        seq, st = ["xs", "h0"], ["xs", "h0"]
    elif cell == "gru":
        def fwd(pb):
            return lu.gru_forward(pb["xs"], pb["h0"], pb["params"])

        def bwd(pb):
            return lu.gru_backward(pb["dhs"], lu.gru_forward(pb["xs"], pb["h0"], pb["params"])[1])

        def step(pb):
            return lu.gru_step(pb["xs"][0], pb["h0"], pb["params"], reset_after=True)

        def step_bwd(pb):
            return lu.gru_step_backward(pb["dhs"][0], lu.gru_step(pb["xs"][0], pb["h0"], pb["params"])[1])
        seq, st = ["xs", "h0"], ["xs", "h0"]
    else:
        def fwd(pb):
            return lu.lstm_forward(pb["xs"], pb["h0"], pb["c0"], pb["params"])

        def bwd(pb):
            cache = lu.lstm_forward(pb["xs"], pb["h0"], pb["c0"], pb["params"])[2]
            return lu.lstm_backward(pb["dhs"], cache, dc_last=pb["dc_last"])

        def step(pb):
            return lu.lstm_step(pb["xs"][0], pb["h0"], pb["c0"], pb["params"])

        def step_bwd(pb):
            cache = lu.lstm_step(pb["xs"][0], pb["h0"], pb["c0"], pb["params"])[2]
            return lu.lstm_step_backward(pb["dhs"][0], pb["dc_last"], cache)
        seq, st = ["xs", "h0", "c0"], ["xs", "h0", "c0"]
    return {"forward": (fwd, seq), "backward": (bwd, seq + ["dhs"] + (["dc_last"] if cell == "lstm" else [])),
            "step": (step, st), "step_backward": (step_bwd, st + ["dhs"] + (["dc_last"] if cell == "lstm" else []))}


# What each problem argument is called by each function (the step functions take one step of xs and dhs).
ARG_NAME = {"forward": {}, "backward": {},
            "step": {"xs": "x_t", "h0": "h_prev", "c0": "c_prev"},
            "step_backward": {"xs": "x_t", "h0": "h_prev", "c0": "c_prev", "dhs": "dh_t", "dc_last": "dc_t"}}
FUNCS = ["forward", "backward", "step", "step_backward"]
NONFINITE = [(cell, fn, arg) for cell in ("rnn", "lstm", "gru") for fn in FUNCS
             for arg in _calls(cell)[fn][1] + ["W_first", "b_last"]]


def _set(pb, arg, cell, value_fn):
    """A copy of the problem with ``arg`` (an array argument, the first weight or the last bias) replaced."""
    pb = {**pb, "params": dict(pb["params"])}
    if arg in ("W_first", "b_last"):
        keys = [k for k in pb["params"] if k.startswith("W" if arg == "W_first" else "b")]
        key = keys[0] if arg == "W_first" else keys[-1]
        pb["params"][key] = value_fn(pb["params"][key])
        return pb, f"params['{key}']"
    pb[arg] = value_fn(pb[arg])
    return pb, arg


def _poison(bad):
    def f(a):
        a = a.astype(float)                   # a copy
        index = tuple(n - 1 for n in a.shape)  # the last entry (of the first step, which the step functions read)
        if a.ndim == 3:
            index = (0,) + index[1:]
        a[index] = bad
        return a
    return f


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("cell, fn, arg", NONFINITE, ids=[f"{c}-{f}-{a}" for c, f, a in NONFINITE])
def test_non_finite_input_is_refused_with_name_and_index(cell, fn, arg, bad):
    pb, name = _set(make_problem(cell, T_, B_, D_, H_, seed=1), arg, cell, _poison(bad))
    call, _ = _calls(cell)[fn]
    name = ARG_NAME[fn].get(name, name)
    with pytest.raises(ValueError, match=rf"{re.escape(name)}: expected finite values, got -?(nan|inf) at index \("):
        call(pb)


@pytest.mark.parametrize("kind", ["complex", "str", "object"])
@pytest.mark.parametrize("cell, fn, arg", NONFINITE, ids=[f"{c}-{f}-{a}" for c, f, a in NONFINITE])
def test_non_real_input_is_refused_with_a_type_error(cell, fn, arg, kind):
    make = {"complex": lambda a: a + 1j, "str": lambda a: a.astype(str), "object": lambda a: a.astype(object)}[kind]
    pb, name = _set(make_problem(cell, T_, B_, D_, H_, seed=1), arg, cell, make)
    name = ARG_NAME[fn].get(name, name)
    with pytest.raises(TypeError, match=rf"{re.escape(name)}: expected a real numeric array"):
        _calls(cell)[fn][0](pb)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_integer_and_boolean_input_is_converted_to_float64(cell):
    pb = make_problem(cell, T_, B_, D_, H_, seed=2)
    pb = {**pb, "xs": np.round(3 * pb["xs"]).astype(np.int64), "h0": pb["h0"] > 0}
    out = _calls(cell)["forward"][0](pb)
    ref = _calls(cell)["forward"][0]({**pb, "xs": pb["xs"].astype(float), "h0": pb["h0"].astype(float)})
    assert out[0].dtype == np.float64
    np.testing.assert_array_equal(out[0], ref[0])


CACHES = [(cell, fn) for cell in ("rnn", "lstm", "gru") for fn in ("backward", "step_backward")]
BACKWARD = {("rnn", "backward"): lambda c: lu.rnn_backward(np.zeros((T_, B_, H_)), c),
            ("lstm", "backward"): lambda c: lu.lstm_backward(np.zeros((T_, B_, H_)), c),
            ("gru", "backward"): lambda c: lu.gru_backward(np.zeros((T_, B_, H_)), c),
            ("rnn", "step_backward"): lambda c: lu.rnn_step_backward(np.zeros((B_, H_)), c),
            ("lstm", "step_backward"): lambda c: lu.lstm_step_backward(np.zeros((B_, H_)), None, c),
            ("gru", "step_backward"): lambda c: lu.gru_step_backward(np.zeros((B_, H_)), c)}
MADE_BY = {"backward": "{}_forward", "step_backward": "{}_step"}


def _other_caches(cell, fn):
    """Caches a backward must refuse: every other cell's sequence and step caches, and its own of the other kind."""
    out = {}
    for other in ("rnn", "lstm", "gru"):
        pb = make_problem(other, T_, B_, D_, H_, seed=3)
        calls = _calls(other)
        fwd_cache = calls["forward"][0](pb)[-1]
        step_cache = calls["step"][0](pb)[-1]
        if (other, "backward") != (cell, fn):
            out[f"{other}_forward"] = fwd_cache
        if (other, "step_backward") != (cell, fn):
            out[f"{other}_step"] = step_cache
    return out


@pytest.mark.parametrize("cell, fn", CACHES, ids=[f"{c}-{f}" for c, f in CACHES])
def test_a_cache_from_elsewhere_is_refused_by_name(cell, fn):
    expected = re.escape(MADE_BY[fn].format(cell))
    for made_by, cache in _other_caches(cell, fn).items():
        with pytest.raises(ValueError, match=rf"cache: expected the cache returned by {expected}, "
                                             rf"got the cache of {made_by}"):
            BACKWARD[cell, fn](cache)
    with pytest.raises(ValueError, match=rf"cache: expected the cache returned by {expected}, got an empty dict"):
        BACKWARD[cell, fn]({})
    with pytest.raises(ValueError, match=rf"cache: expected the cache returned by {expected}, got a dict with keys"):
        BACKWARD[cell, fn]({"hs": np.zeros((T_, B_, H_))})
    for bad in (None, [1, 2], "cache"):
        with pytest.raises(TypeError, match=rf"cache: expected the cache returned by {expected}, got"):
            BACKWARD[cell, fn](bad)


FOREIGN = [("rnn", "gru", r"'W_z', 'W_r'.* belong to another cell"), ("rnn", "lstm", r"missing key"),
           ("gru", "lstm", r"missing key"),
           ("lstm", "gru", r"missing key"), ("gru", "rnn", r"missing key"), ("lstm", "rnn", r"missing key")]


@pytest.mark.parametrize("cell, other, match", FOREIGN, ids=[f"{o}-params-to-{c}" for c, o, _ in FOREIGN])
def test_another_cells_parameters_are_refused(cell, other, match):
    """GRU parameters hold W_h and b_h too: given to the RNN they used to run as an RNN. Now refused by name."""
    pb = make_problem(cell, T_, B_, D_, H_, seed=4)
    pb["params"] = {**make_problem(other, T_, B_, D_, H_, seed=4)["params"],
                    **(pb["params"] if other == "gru" and cell == "rnn" else {})}
    for fn in ("forward", "step"):
        with pytest.raises(ValueError, match=rf"params: .*{match}"):
            _calls(cell)[fn][0](pb)
    if cell == "rnn":
        with pytest.raises(ValueError, match=r"params: .*W_z"):
            lu.models.model_forward("rnn", lu.models.init_model("gru", D_, H_, 2, rng=0), pb["xs"])


BLAME = [(cell, fn, k, shape) for cell in ("rnn", "lstm", "gru") for fn in ("forward", "step")
         for k, shape in (("first", (H_, H_ + D_ + 1)), ("first", (H_ + 1, H_ + D_)), ("first", (H_, H_)),
                          ("first", (H_ + D_,)), ("last", (H_, H_ + D_ - 1)))]


@pytest.mark.parametrize("cell, fn, which, shape", BLAME, ids=[f"{c}-{f}-{w}-{s}" for c, f, w, s in BLAME])
def test_a_misshaped_weight_is_the_one_named(cell, fn, which, shape):
    pb = make_problem(cell, T_, B_, D_, H_, seed=5)
    keys = [k for k in pb["params"] if k.startswith("W")]
    key = keys[0] if which == "first" else keys[-1]
    pb["params"] = {**pb["params"], key: np.ones(shape)}
    if cell == "rnn" and shape == (H_ + 1, H_ + D_):
        blamed = r"params\['b_h'\]|params\['W_h'\]"        # one weight, one bias: either may be the odd one
    elif cell == "rnn" and len(shape) == 2 and shape[1] > shape[0]:
        blamed = r"xs|x_t"                                    # one weight, the data: the data is named
    else:
        blamed = re.escape(f"params['{key}']")
    with pytest.raises(ValueError, match=rf"({blamed}): expected shape \((H|B|T).*got \("):
        _calls(cell)[fn][0](pb)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_zero_hidden_units_run_forward_and_backward(cell):
    """H = 0 (no init gives it, but a (0, D) weight is a valid array): empty states, zero-size gradients, and
    the input gradient zero, forward and backward (lstm_backward used to divide by zero)."""
    keys = [k for k in make_problem(cell, 1, 1, D_, 1)["params"]]
    params = {k: (np.zeros((0, D_)) if k.startswith("W") else np.zeros(0)) for k in keys}
    pb = {"params": params, "xs": np.ones((T_, B_, D_)), "h0": None, "c0": None,
          "dhs": np.zeros((T_, B_, 0)), "dc_last": None}
    states = _calls(cell)["forward"][0](pb)
    assert states[0].shape == (T_, B_, 0)
    out = _calls(cell)["backward"][0](pb)
    grads, dxs = out[0], out[1]
    assert dxs.shape == (T_, B_, D_) and not dxs.any()
    assert all(g.size == 0 for g in grads.values())


def test_init_refuses_what_would_give_a_wrong_network():
    for init in (lu.init_rnn, lu.init_lstm, lu.init_gru):
        with pytest.raises(ValueError, match=r"dtype: expected a floating-point dtype.*int64"):
            init(3, 4, dtype=np.int64)                       # every weight would round to 0
        with pytest.raises(ValueError, match=r"dtype: expected a floating-point dtype.*complex128"):
            init(3, 4, dtype=np.complex128)
        with pytest.raises(TypeError, match=r"scale: expected a real number, got str"):
            init(3, 4, scale="1.0")
        with pytest.raises(ValueError, match=r"scale: expected a finite number >= 0"):
            init(3, 4, scale=-1.0)
        with pytest.raises(ValueError, match=r"rng: expected a non-negative integer seed"):
            init(3, 4, rng=-1)
        with pytest.raises(TypeError, match=r"rng: expected None, a non-negative integer seed"):
            init(3, 4, rng="a")
    with pytest.raises(TypeError, match=r"forget_bias: expected a real number"):
        lu.init_lstm(3, 4, forget_bias="1")
    with pytest.raises(ValueError, match=r"input_bias: expected a finite number"):
        lu.init_lstm(3, 4, input_bias=np.nan)
    with pytest.raises(TypeError, match=r"update_bias: expected a real number"):
        lu.init_gru(3, 4, update_bias=None)
    with pytest.raises(ValueError, match=r"dtype: expected a floating-point dtype"):
        lu.init_rnn_spectral(3, 4, largest_singular_value=1.0, dtype=np.int32)
    with pytest.raises(TypeError, match=r"orthogonal: expected True or False"):
        lu.init_rnn_spectral(3, 4, largest_singular_value=1.0, orthogonal="yes")
