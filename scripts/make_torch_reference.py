"""Write the PyTorch reference values that `tests/test_torch_reference.py` and chapters 07 and 10 compare against.

PyTorch is not a requirement of the course: this script runs once, in its own environment, and its output is
committed as package data, read by `lstm_utils.torch_reference("lstm")` / `("gru")`:
`lstm_utils/results/torch_lstm_reference.npz` and `torch_gru_reference.npz` (a few KB each), each with a JSON note
of the versions used::

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install -r scripts/requirements-torch.txt
    /tmp/torchenv/bin/python scripts/make_torch_reference.py [--cell lstm|gru|both]

What it does, all in float64:

1. our parameters from `lstm_utils.init_lstm` (seeded), with the biases perturbed so that no bias is trivially 0;
2. the same numbers in `nn.LSTM`'s layout through `lstm_utils.to_torch_layout` (gate order i, f, g, o;
   `W_g[:, :H]` -> rows of `weight_hh_l0`, `W_g[:, H:]` -> rows of `weight_ih_l0`, the whole bias in `bias_ih_l0`);
3. a seeded input `xs` (T, B, D) and nonzero initial states `h0`, `c0` (B, H);
4. PyTorch's forward, then backward of the loss  L = sum(dhs * hs) + sum(dc_last * c_T)  with seeded weights
   `dhs` (T, B, H) and `dc_last` (B, H); so `dhs` and `dc_last` are exactly dL/dhs and dL/dc_T, the arguments of
   `lstm_utils.lstm_backward`;
5. saves inputs, PyTorch's weights, outputs (hs, h_T, c_T) and every gradient, in PyTorch's layout as PyTorch
   computed them: the test maps them with `lstm_utils.from_torch_layout`, so the layout mapping is checked too.

The GRU the same way: `lstm_utils.init_gru` (seeded, perturbed biases), `lstm_utils.to_torch_gru` into
`nn.GRU`'s state dict (gate order r, z, n; the update gate's rows negated, since PyTorch's z is our 1 - z;
`bias_hh_l0` zero), PyTorch's forward and the backward of L = sum(dhs * hs); the package's counterpart is
`gru_forward(..., reset_after=True)` / `gru_backward`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
# The repository's lstm_utils, also when it is not installed in this environment (which holds torch and numpy
# only: `import lstm_utils` needs numpy alone).
sys.path.insert(0, str(ROOT))
from lstm_utils import (  # noqa: E402
    from_torch_gru,
    from_torch_layout,
    gru_backward,
    gru_forward,
    init_gru,
    init_lstm,
    lstm_backward,
    lstm_forward,
    to_torch_gru,
    to_torch_layout,
)
from lstm_utils.torch_layout import TORCH_GRU_KEYS, TORCH_KEYS  # noqa: E402

SEED = 2013
T, B, D, H = 5, 2, 3, 4
OUT = ROOT / "lstm_utils" / "results" / "torch_lstm_reference.npz"
NOTE = OUT.with_suffix(".json")
GRU_SEED = 2014
GRU_OUT = ROOT / "lstm_utils" / "results" / "torch_gru_reference.npz"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Write the PyTorch reference values (package data).")
    ap.add_argument("--cell", choices=("lstm", "gru", "both"), default="both", help="which reference to write")
    cell = ap.parse_args(argv).cell
    if cell in ("lstm", "both"):
        lstm_reference()
    if cell in ("gru", "both"):
        gru_reference()


def lstm_reference() -> None:
    rng = np.random.default_rng(SEED)
    params = init_lstm(D, H, rng=rng)
    for k in ("b_f", "b_i", "b_c", "b_o"):                 # nonzero biases, so their mapping is exercised
        params[k] = params[k] + rng.normal(0.0, 0.5, size=H)
    xs = rng.normal(size=(T, B, D))
    h0 = 0.5 * np.tanh(rng.normal(size=(B, H)))
    c0 = rng.normal(size=(B, H))
    dhs = rng.normal(size=(T, B, H))
    dc_last = rng.normal(size=(B, H))

    torch.manual_seed(SEED)                                 # nn.LSTM draws its own init; we overwrite it
    lstm = torch.nn.LSTM(input_size=D, hidden_size=H, num_layers=1, bias=True, batch_first=False).double()
    weights = to_torch_layout(params)
    with torch.no_grad():
        for name, value in weights.items():
            getattr(lstm, f"{name}_l0").copy_(torch.from_numpy(value))

    x_t = torch.from_numpy(xs).requires_grad_()
    h0_t = torch.from_numpy(h0[None]).requires_grad_()     # PyTorch's states are (layers, B, H)
    c0_t = torch.from_numpy(c0[None]).requires_grad_()
    hs, (h_T, c_T) = lstm(x_t, (h0_t, c0_t))
    loss = (torch.from_numpy(dhs) * hs).sum() + (torch.from_numpy(dc_last) * c_T[0]).sum()
    loss.backward()

    ref = {
        "xs": xs, "h0": h0, "c0": c0, "dhs": dhs, "dc_last": dc_last,
        **{name: getattr(lstm, f"{name}_l0").detach().numpy() for name in TORCH_KEYS},
        "hs": hs.detach().numpy(), "h_T": h_T[0].detach().numpy(), "c_T": c_T[0].detach().numpy(),
        "loss": np.array(loss.item()),
        **{f"grad_{name}": getattr(lstm, f"{name}_l0").grad.numpy() for name in TORCH_KEYS},
        "grad_xs": x_t.grad.numpy(), "grad_h0": h0_t.grad[0].numpy(), "grad_c0": c0_t.grad[0].numpy(),
    }
    assert all(v.dtype == np.float64 for v in ref.values())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **ref)

    # The same comparison the test makes, printed here so a regeneration shows the agreement at once.
    ours_hs, ours_cs, cache = lstm_forward(xs, h0, c0, from_torch_layout(ref))
    grads, dxs, dh0, dc0 = lstm_backward(dhs, cache, dc_last=dc_last)
    g = to_torch_layout(grads)
    diffs = {
        "hs": np.abs(ours_hs - ref["hs"]).max(), "c_T": np.abs(ours_cs[-1] - ref["c_T"]).max(),
        "grad_weight_ih": np.abs(g["weight_ih"] - ref["grad_weight_ih"]).max(),
        "grad_weight_hh": np.abs(g["weight_hh"] - ref["grad_weight_hh"]).max(),
        "grad_bias": np.abs(g["bias_ih"] - ref["grad_bias_ih"]).max(),
        "grad_xs": np.abs(dxs - ref["grad_xs"]).max(), "grad_h0": np.abs(dh0 - ref["grad_h0"]).max(),
        "grad_c0": np.abs(dc0 - ref["grad_c0"]).max(),
    }
    for name, d in diffs.items():
        print(f"max |ours - torch| {name:15s} {d:.2e}")
    note = {
        "file": OUT.name,
        "made_by": "scripts/make_torch_reference.py",
        "date": datetime.date.today().isoformat(),
        "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
        "dtype": "float64", "seed": SEED, "sizes": {"T": T, "B": B, "D": D, "H": H},
        "loss": "sum(dhs * hs) + sum(dc_last * c_T)",
        "max_abs_diff_ours_vs_torch": {k: float(v) for k, v in diffs.items()},
    }
    NOTE.write_text(json.dumps(note, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes) and {NOTE.relative_to(ROOT)}")


def gru_reference() -> None:
    rng = np.random.default_rng(GRU_SEED)
    params = init_gru(D, H, rng=rng)
    for k in ("b_z", "b_r", "b_h"):                        # nonzero biases, so their mapping (and signs) are exercised
        params[k] = params[k] + rng.normal(0.0, 0.5, size=H)
    xs = rng.normal(size=(T, B, D))
    h0 = 0.5 * np.tanh(rng.normal(size=(B, H)))
    dhs = rng.normal(size=(T, B, H))

    torch.manual_seed(GRU_SEED)                             # nn.GRU draws its own init; we overwrite it
    gru = torch.nn.GRU(input_size=D, hidden_size=H, num_layers=1, bias=True, batch_first=False).double()
    gru.load_state_dict({k: torch.from_numpy(v) for k, v in to_torch_gru(params).items()})

    x_t = torch.from_numpy(xs).requires_grad_()
    h0_t = torch.from_numpy(h0[None]).requires_grad_()     # PyTorch's states are (layers, B, H)
    hs, h_T = gru(x_t, h0_t)
    loss = (torch.from_numpy(dhs) * hs).sum()
    loss.backward()

    state = dict(gru.named_parameters())
    ref = {
        "xs": xs, "h0": h0, "dhs": dhs,
        **{name: state[name].detach().numpy() for name in TORCH_GRU_KEYS},
        "hs": hs.detach().numpy(), "h_T": h_T[0].detach().numpy(), "loss": np.array(loss.item()),
        **{f"grad_{name}": state[name].grad.numpy() for name in TORCH_GRU_KEYS},
        "grad_xs": x_t.grad.numpy(), "grad_h0": h0_t.grad[0].numpy(),
    }
    assert all(v.dtype == np.float64 for v in ref.values())
    np.savez_compressed(GRU_OUT, **ref)

    ours_hs, cache = gru_forward(xs, h0, from_torch_gru(ref), reset_after=True)
    grads, dxs, dh0 = gru_backward(dhs, cache)
    g = to_torch_gru(grads)
    ih, hh, bih, bhh = TORCH_GRU_KEYS
    diffs = {
        "hs": np.abs(ours_hs - ref["hs"]).max(),
        "grad_weight_ih": np.abs(g[ih] - ref[f"grad_{ih}"]).max(),
        "grad_weight_hh": np.abs(g[hh] - ref[f"grad_{hh}"]).max(),
        "grad_bias_ih": np.abs(g[bih] - ref[f"grad_{bih}"]).max(),
        "grad_bias_hh_rz": np.abs(g[bih][: 2 * H] - ref[f"grad_{bhh}"][: 2 * H]).max(),
        "grad_xs": np.abs(dxs - ref["grad_xs"]).max(), "grad_h0": np.abs(dh0 - ref["grad_h0"]).max(),
    }
    for name, d in diffs.items():
        print(f"GRU max |ours - torch| {name:15s} {d:.2e}")
    note = {
        "file": GRU_OUT.name,
        "made_by": "scripts/make_torch_reference.py",
        "date": datetime.date.today().isoformat(),
        "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
        "dtype": "float64", "seed": GRU_SEED, "sizes": {"T": T, "B": B, "D": D, "H": H},
        "loss": "sum(dhs * hs)",
        "ours": "gru_forward(xs, h0, from_torch_gru(weights), reset_after=True); to_torch_gru(grads)",
        "max_abs_diff_ours_vs_torch": {k: float(v) for k, v in diffs.items()},
    }
    GRU_OUT.with_suffix(".json").write_text(json.dumps(note, indent=2) + "\n")
    print(f"wrote {GRU_OUT.relative_to(ROOT)} ({GRU_OUT.stat().st_size} bytes) and its .json note")


if __name__ == "__main__":
    main()
