"""Print the AVX-512 targets numpy dispatches to on this CPU, space-separated (empty on a CPU without AVX-512).

numpy picks its SIMD loops at run time; on an AVX-512 CPU its float64 ``exp`` and ``log`` round differently in the
last bit from the AVX2 loops (float32 ``exp``/``tanh`` do not). `make test` runs nbval's notebook kernels with
``NPY_DISABLE_CPU_FEATURES`` set to this list, and the book build without it, so that a claim holding under one
rounding only fails. Only targets that are both dispatched by this numpy and enabled on this CPU are printed
(numpy refuses to disable any other).
"""

from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

print(" ".join(t for t in __cpu_dispatch__ if __cpu_features__.get(t) and (t == "X86_V4" or t.startswith("AVX512"))))
