"""Speed of one full training step of the sweep's LSTM (forward, backward, clipping, Adam) against PyTorch.

Run by ``make bench`` (in ``.venv-bench``, which adds PyTorch to the course's requirements), or directly::

    .venv-bench/bin/python benchmarks/bench_train.py [--repeats 7] [--quick]

The step is chapter 08's: the adding problem, B = 32 sequences of T steps, D = 2 inputs, H = 32 units, a linear
readout of h_T, the mean squared error, global-norm clipping at 1 and one Adam step, in float32, one thread.

* ``torch``: ``nn.LSTM`` + ``nn.Linear``, ``loss.backward()``, ``clip_grad_norm_``, ``torch.optim.Adam``;
* ``readable``: the course's own step, as :func:`lstm_utils.train.train` makes it (``model_forward``, ``mse``,
  ``model_backward``, ``clip_grad_norm``, ``Adam.step``);
* ``stacked``: :mod:`lstm_utils.stacked`, the sweep's fast path, S = 10 seeds in one computation; its time is
  divided by S (the time per seed-step, which is what the sweep pays).

The contenders run interleaved (one of each in rotating order, repeated) so that a change in the machine's load
hits all alike; the table gives medians and the ratios against torch, and the milliseconds per 1,000 training
sequences (what a sweep's budget costs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lstm_utils import stacked  # noqa: E402
from lstm_utils.data import adding_problem  # noqa: E402
from lstm_utils.gradients import clip_grad_norm  # noqa: E402
from lstm_utils.models import init_model, model_backward, model_forward, mse  # noqa: E402
from lstm_utils.train import Adam  # noqa: E402

B, D, H, S = 32, 2, 32, 5
TARGET = 1.0          # readable / torch (issue 19's aim) ...
TARGET_STACKED = 1.0  # ... and the stacked path's time per seed-step / torch


def readable_step(T):
    params = init_model("lstm", D, H, 1, rng=0, dtype=np.float32, forget_bias=3.0)
    opt = Adam(3e-3)
    xs, ys = adding_problem(B, T, rng=1, dtype=np.float32)

    def step():
        out, cache = model_forward("lstm", params, xs)
        _, dout = mse(out, ys)
        grads, _ = model_backward(dout, cache)
        grads, _ = clip_grad_norm(grads, 1.0)
        opt.step(params, grads)
    return step


def stacked_step(T):
    params = stacked.stack([init_model("lstm", D, H, 1, rng=s, dtype=np.float32, forget_bias=3.0)
                            for s in range(S)])
    opt = stacked.StackedAdam(3e-3)
    data = [adding_problem(B, T, rng=s, dtype=np.float32) for s in range(S)]
    xs, ys = np.stack([d[0] for d in data], axis=1), np.stack([d[1] for d in data])

    def step():
        y, cache = stacked.model_forward("lstm", params, xs)
        _, dy = stacked.loss_and_gradient("regression", y, ys)
        grads, _ = stacked.model_backward("lstm", params, dy, cache)
        grads, _ = stacked.clip_per_model(grads, 1.0)
        opt.step(params, grads)
    return step


def torch_step(T):
    import torch
    torch.manual_seed(0)
    lstm, lin = torch.nn.LSTM(D, H), torch.nn.Linear(H, 1)
    with torch.no_grad():
        lstm.bias_hh_l0[H:2 * H].fill_(3.0)
    ps = list(lstm.parameters()) + list(lin.parameters())
    opt = torch.optim.Adam(ps, lr=3e-3)
    xs, ys = adding_problem(B, T, rng=1, dtype=np.float32)
    x, y = torch.from_numpy(xs), torch.from_numpy(ys)

    def step():
        opt.zero_grad()
        hs, _ = lstm(x)
        loss = torch.mean((lin(hs[-1])[:, 0] - y) ** 2)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(ps, 1.0)
        opt.step()
    return step


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="T = 20 only, 3 repeats: a smoke test")
    a = ap.parse_args(argv)
    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(1)
    lengths, repeats = ((20,), 3) if a.quick else ((100, 400), a.repeats)
    rows = []
    with threadpool_limits(1):
        for T in lengths:
            makers = {"torch": torch_step, "readable": readable_step, "stacked": stacked_step}
            steps = {k: m(T) for k, m in makers.items()}
            for f in steps.values():
                f()                                                   # warm up
            times = {k: [] for k in steps}
            order = list(steps)
            for r in range(repeats):
                for k in order[r % 3:] + order[:r % 3]:
                    t0 = time.perf_counter()
                    steps[k]()
                    times[k].append(time.perf_counter() - t0)
            med = {k: 1e3 * statistics.median(v) for k, v in times.items()}
            med["stacked"] /= S
            rows.append((T, med))
    print(f"One training step, LSTM H={H}, B={B}, D={D}, float32, one thread; medians of {repeats} interleaved runs;"
          f" stacked = per seed of {S}")
    print(f"{'T':>5} {'torch ms':>9} {'readable':>9} {'stacked':>9} {'readable/torch':>15} {'stacked/torch':>14} "
          f"{'ms per 1,000 seq (readable, stacked)':>38}")
    for T, m in rows:
        print(f"{T:>5} {m['torch']:>9.2f} {m['readable']:>9.2f} {m['stacked']:>9.2f} "
              f"{m['readable'] / m['torch']:>15.2f} {m['stacked'] / m['torch']:>14.2f} "
              f"{1000 / B * m['readable']:>18.0f} {1000 / B * m['stacked']:>18.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
