"""Speed of lstm_utils' LSTM against PyTorch's ``nn.LSTM`` on the CPU: forward + backward through time.

Run by ``make bench`` (in ``.venv-bench``, which adds PyTorch to the course's requirements), or directly::

    .venv-bench/bin/python benchmarks/bench_lstm.py [--threads 1] [--repeats 7] [--quick]

What is timed, for each size (T, B, D, H) and dtype (float32, float64):

* ``torch``: ``nn.LSTM`` forward on (T, B, D) from zero states, then ``backward`` of the output with a fixed
  upstream gradient (weights *and* input require grad, so both sides compute the same gradients);
* ``ours``: :func:`lstm_utils.lstm_forward` then :func:`lstm_utils.lstm_backward` with the same gradient;
* ``naive``: the readable reference, :func:`lstm_utils.lstm_step` / :func:`lstm_utils.lstm_step_backward` in a
  Python loop over t, gradients summed over steps: what the sequence functions replace.

The three are run interleaved (one of each, in rotating order, repeated), so a change in the machine's load hits
all three alike; the table gives the median of the repeats and the ratio ours / torch. Both libraries get the same
number of threads: ``torch.set_num_threads(n)`` and threadpoolctl's limit on numpy's BLAS.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the repo's lstm_utils, also when not installed

import lstm_utils as lu  # noqa: E402
from lstm_utils.torch_layout import to_torch_layout  # noqa: E402

SIZES = ((100, 32, 16, 64), (200, 64, 32, 128))                  # (T, B, D, H)
DTYPES = ("float32", "float64")
# The speed targets: ratio ours / torch of the medians, per (dtype, size index).
TARGETS = {("float64", 0): 1.0, ("float64", 1): 1.0, ("float32", 0): 2.0, ("float32", 1): 1.5}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="threads for both torch and numpy's BLAS (default 1)")
    ap.add_argument("--repeats", type=int, default=7, help="timed repeats per contender (median of these; >= 7)")
    ap.add_argument("--quick", action="store_true", help="small sizes, 3 repeats: a smoke test of this script")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive reference path")
    return ap.parse_args(argv)


# ------------------------------------------------------------------------------------------------------------------
# The contenders
# ------------------------------------------------------------------------------------------------------------------
def make_problem(T, B, D, H, dtype, seed=0):
    """Parameters, inputs and upstream gradient, all in ``dtype``."""
    rng = np.random.default_rng(seed)
    params = {k: v.astype(dtype) for k, v in lu.init_lstm(D, H, rng=rng).items()}
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    dhs = rng.standard_normal((T, B, H)).astype(dtype)
    return params, xs, dhs


def ours(params, xs, dhs):
    _, _, cache = lu.lstm_forward(xs, None, None, params)
    return lu.lstm_backward(dhs, cache)


def naive(params, xs, dhs):
    """The readable reference: lstm_step forward, lstm_step_backward back, gradients summed over steps."""
    T, B, _ = xs.shape
    h = c = None
    caches = []
    for t in range(T):
        h, c, cache = lu.lstm_step(xs[t], h, c, params)
        caches.append(cache)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dxs = np.empty_like(xs)
    dh_next, dc_next = np.zeros_like(dhs[0]), None
    for t in range(T - 1, -1, -1):
        g, dxs[t], dh_next, dc_next = lu.lstm_step_backward(dhs[t] + dh_next, dc_next, caches[t])
        for k in grads:
            grads[k] += g[k]
    return grads, dxs, dh_next, dc_next


def torch_contender(torch, params, xs, dhs):
    """An ``nn.LSTM`` holding our parameters, and a closure that runs forward + backward once (returns the module,
    the input tensor, whose ``.grad`` it fills, and the output)."""
    T, B, D = xs.shape
    H = params["b_f"].shape[0]
    dtype = getattr(torch, xs.dtype.name)
    lstm = torch.nn.LSTM(D, H).to(dtype)
    with torch.no_grad():
        for k, v in to_torch_layout(params).items():
            getattr(lstm, f"{k}_l0").copy_(torch.from_numpy(np.ascontiguousarray(v)))
    x = torch.from_numpy(xs).requires_grad_(True)
    dh = torch.from_numpy(dhs)

    def run():
        lstm.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = lstm(x)
        out.backward(dh)
        return lstm, x, out

    return run


def check_agreement(torch, params, xs, dhs):
    """The comparison is fair only if both compute the same thing: the largest relative error between the two,
    over the hidden states and the gradients on the input, the weights and the bias."""
    run = torch_contender(torch, params, xs, dhs)
    lstm, x, out = run()
    hs, _, cache = lu.lstm_forward(xs, None, None, params)
    grads, dxs, _, _ = lu.lstm_backward(dhs, cache)
    ours_t = to_torch_layout(grads)
    errs = [lu.relative_error(hs, out.detach().numpy()), lu.relative_error(dxs, x.grad.numpy())]
    errs += [lu.relative_error(ours_t[k], getattr(lstm, f"{k}_l0").grad.numpy()) for k in ("weight_ih", "weight_hh")]
    errs.append(lu.relative_error(ours_t["bias_ih"], lstm.bias_ih_l0.grad.numpy()))
    return max(errs)


# ------------------------------------------------------------------------------------------------------------------
# Timing
# ------------------------------------------------------------------------------------------------------------------
def interleaved(contenders, repeats):
    """Wall and CPU times (s) of each callable, run in rotating order so that load changes hit all of them alike.

    CPU time (``time.process_time``: all threads of this process) is what the work costs; wall time is what a user
    waits. On a quiet machine with one thread they agree; on a loaded one, wall time also counts the time the
    process waited for a core, so the CPU-time ratio is the steadier comparison.
    """
    names = list(contenders)
    for f in contenders.values():                                # warm-up: allocations, BLAS thread pools
        f()
    wall = {n: [] for n in names}
    cpu = {n: [] for n in names}
    for r in range(repeats):
        for n in names[r % len(names):] + names[: r % len(names)]:
            c0, t0 = time.process_time(), time.perf_counter()
            contenders[n]()
            t1, c1 = time.perf_counter(), time.process_time()
            wall[n].append(t1 - t0)
            cpu[n].append(c1 - c0)
    return wall, cpu


def gemm_floor(params, xs, dhs):
    """Our matrix products alone, same shapes, same order, same BLAS: the part no Python-level change can remove."""
    T, B, D = xs.shape
    H = params["b_f"].shape[0]
    dt = xs.dtype
    W_hh, W_x = np.ones((4 * H, H), dt), np.ones((4 * H, D), dt)
    h, da = np.ones((B, H), dt), np.ones((B, 4 * H), dt)
    da_all, hx = np.ones((T * B, 4 * H), dt), np.ones((T * B, H + D), dt)

    def products():
        xs @ W_x.T                                               # forward: input projections of all steps
        for _ in range(T):
            h @ W_hh.T                                           # forward: one product per step
        for _ in range(T):
            da @ W_hh                                            # backward: one product per step
        da_all.T @ hx                                            # backward, after the loop: dW
        da_all @ W_x                                             # and dxs

    return products


def blas_description():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl missing)"
    for info in threadpool_info():
        if info["user_api"] == "blas" and "numpy" in info.get("filepath", ""):
            return f"{info['internal_api']} {info.get('version')} kernel {info.get('architecture')}"
    return "unknown"


def met(ratio, target):
    """Whether a time ratio meets its target: "yes" or "NO", or "-" when there is no target."""
    if not target:
        return "-"
    return "yes" if ratio <= target else "NO"


def main(argv=None):
    args = parse_args(argv)
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    limiter = threadpool_limits(limits=args.threads, user_api="blas")
    sizes, repeats = (((20, 4, 3, 8), (30, 8, 4, 16)), 3) if args.quick else (SIZES, max(7, args.repeats))

    print("LSTM forward + backward through time: lstm_utils (numpy) vs PyTorch nn.LSTM, CPU")
    print(f"  numpy {np.__version__}, BLAS {blas_description()}; torch {torch.__version__} "
          f"(BLAS MKL: {torch.backends.mkl.is_available()}, oneDNN: {torch.backends.mkldnn.is_available()}, "
          f"CPU capability {torch.backends.cpu.get_cpu_capability()})")
    print(f"  {args.threads} thread(s) each; {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; median of {repeats} interleaved runs")
    print()
    rows = []
    for dtype in DTYPES:
        for k, (T, B, D, H) in enumerate(sizes):
            params, xs, dhs = make_problem(T, B, D, H, dtype)
            err = check_agreement(torch, params, xs, dhs)
            contenders = {"torch": torch_contender(torch, params, xs, dhs), "ours": partial(ours, params, xs, dhs)}
            if not args.no_naive:
                contenders["naive"] = partial(naive, params, xs, dhs)
            contenders["gemm"] = gemm_floor(params, xs, dhs)
            wall, cpu = interleaved(contenders, repeats)
            med = {n: statistics.median(v) for n, v in wall.items()}
            med_cpu = {n: statistics.median(v) for n, v in cpu.items()}
            label = f"{dtype} T={T} B={B} D={D} H={H}"
            print(f"{label}   (ours vs torch: largest relative error of states and gradients {err:.1e})")
            print("  wall times, ms:")
            for n, v in wall.items():
                print(f"  {n:>6}: " + " ".join(f"{1e3 * s:7.2f}" for s in v) +
                      f"   median {1e3 * med[n]:8.2f}   (CPU time median {1e3 * med_cpu[n]:8.2f})")
            rows.append((dtype, k, label, med, med_cpu))
    print()
    print("Medians, ms. ratio = ours / torch; 'cpu' columns: the same from CPU time; 'gemm share': the part of our")
    print("time spent in the matrix products alone (same shapes, same BLAS); naive/ours: the gain over the step loop.")
    print(f"{'case':<31} {'torch':>7} {'ours':>7} {'naive':>7} {'ratio':>6} {'target':>6} {'met':>4} "
          f"{'cpu ratio':>9} {'cpu met':>7} {'naive/ours':>10} {'gemm share':>10}")
    for dtype, k, label, med, med_cpu in rows:
        ratio, ratio_cpu = med["ours"] / med["torch"], med_cpu["ours"] / med_cpu["torch"]
        target = None if args.quick else TARGETS.get((dtype, k))
        naive_ms = f"{1e3 * med['naive']:7.1f}" if "naive" in med else f"{'-':>7}"
        gain = f"{med['naive'] / med['ours']:10.1f}" if "naive" in med else f"{'-':>10}"
        print(f"{label:<31} {1e3 * med['torch']:7.1f} {1e3 * med['ours']:7.1f} {naive_ms} {ratio:6.2f} "
              f"{target or '-':>6} {met(ratio, target):>4} {ratio_cpu:9.2f} {met(ratio_cpu, target):>7} {gain} "
              f"{med_cpu['gemm'] / med_cpu['ours']:10.0%}")
    print()
    print(WHAT_BOUNDS_THE_GAP)
    limiter.restore_original_limits()


WHAT_BOUNDS_THE_GAP = """\
What bounds the remaining gap:
  * float32: PyTorch runs oneDNN's fused LSTM (aten::mkldnn_rnn_layer and its backward, in torch.profiler): the
    whole sequence in one compiled kernel, no per-step dispatch. Our sequence functions are a Python loop over the
    step equations: per step forward one product for all four gates, one call of lstm_utils.sigmoid and two of
    tanh, the cell update; backward one product and about twenty elementwise operations (the local derivatives of
    the step, then the chain rule through them). Each numpy call costs roughly
    a microsecond of Python and ufunc dispatch before any arithmetic: at the small size (B*H = 2048 entries per
    state) that is of the order of the arithmetic itself, and it is the gap (lstm_utils.sigmoid is the textbook
    1/(1 + exp(-x)), three passes, because a two-branch overflow-free form cost ten and was the largest single item).
    The 'gemm share' column is the part of our time spent in the matrix products alone.
    Closing the rest needs compiled code (numba, Cython, a C extension), outside this numpy-only package.
  * float64: PyTorch takes the oneDNN path for float32 (and 16-bit types) only; in float64 it runs its generic
    per-step loop of ATen ops (mm, addmm, cat, stack, copies, each with autograd bookkeeping), which does more
    work per step than our fused loop, so the ratio is below 1. The floor left is the matrix products (the 'gemm
    share'), the same FLOPs on both sides.
  * On a loaded machine the wall times also count waiting for a core; the CPU-time ratio is the steadier one.
"""


if __name__ == "__main__":
    main()
