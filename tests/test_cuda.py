"""The CUDA device (brian2cuda): what can be checked without it, and with it.

The first tests run everywhere. The slow ones need brian2cuda and CUDA's
compiler (``nvcc``; the build test) or an NVIDIA GPU (the run test); they are
skipped where those are missing, and run with ``pytest -m slow tests/test_cuda.py``.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess

import brian2
import numpy as np
import pytest
from brian2 import ms

from stdp.config import load_config
from stdp.engine import CudaStandaloneEngine, chunk_seed, make_engine
from stdp.network import build_network, initial_state

from .conftest import SMALL


def test_the_network_runs_on_the_clock_it_is_given(runtime_numpy):
    cfg = load_config(None, SMALL)
    own = build_network(cfg, 64, chunk_cycles=2)
    assert {obj.clock.name for obj in own.net.objects if obj.name in _STEPPED} == {"clock"}

    old_dt = brian2.defaultclock.dt
    brian2.defaultclock.dt = cfg["network.dt"]
    try:
        given = build_network(cfg, 64, chunk_cycles=2, clock=brian2.defaultclock)
    finally:
        brian2.defaultclock.dt = old_dt
    assert {obj.clock.name for obj in given.net.objects if obj.name in _STEPPED} == {"defaultclock"}


def test_a_clock_with_another_dt_is_refused(runtime_numpy):
    cfg = load_config(None, SMALL)
    with pytest.raises(ValueError, match=r"clock: expected dt = network.dt"):
        build_network(cfg, 64, chunk_cycles=2, clock=brian2.Clock(dt=0.1 * ms, name="other"))


def test_the_cuda_makefile_is_compiled_as_cpp17(tmp_path):
    # brian2cuda 1.0b1 writes -std=c++11 (twice); CUDA 13's Thrust needs C++17.
    engine = object.__new__(CudaStandaloneEngine)  # only the file step, no device
    engine.build_dir = tmp_path
    (tmp_path / "makefile").write_text(
        'NVCCFLAGS = -I. -std=c++11 -arch=sm_90 -Xcompiler "-O3 -std=c++11"\nLFLAGS = -lcurand\n'
    )
    engine._adjust_sources()
    text = (tmp_path / "makefile").read_text()
    assert "c++11" not in text
    assert text.count("-std=c++17") == 2
    assert text.endswith("LFLAGS = -lcurand\n")


def test_the_gpu_build_drops_the_flags_a_cpu_engine_gave_gcc(runtime_numpy):
    # Brian2's preferences are global: a cpp_standalone engine earlier in the
    # process left -ffast-math on the link line, which nvcc refuses (seen on
    # an H200: "nvcc fatal: Unknown option '-ffast-math'").
    from brian2 import prefs

    from stdp.engine import _VECTOR_FLAGS, StandaloneEngine, _drop_gcc_only_flags

    link, gcc = (
        list(prefs.codegen.cpp.extra_link_args),
        list(prefs.codegen.cpp.extra_compile_args_gcc),
    )
    try:
        object.__new__(StandaloneEngine)._select_device()  # the CPU engine's preferences
        assert "-ffast-math" in prefs.codegen.cpp.extra_link_args
        _drop_gcc_only_flags()
        assert "-ffast-math" not in prefs.codegen.cpp.extra_link_args
        assert not set(_VECTOR_FLAGS) & set(prefs.codegen.cpp.extra_compile_args_gcc)
        assert "-O3" in prefs.codegen.cpp.extra_compile_args_gcc  # Brian2's own flags stay
    finally:
        prefs.codegen.cpp.extra_link_args, prefs.codegen.cpp.extra_compile_args_gcc = link, gcc
        brian2.device.reinit()
        brian2.set_device("runtime")


#: Objects that step on the simulation clock (not once per cycle).
_STEPPED = {"controller", "input", "exc", "inh", "input_to_exc", "exc_to_inh", "inh_to_exc"}


def _has_gpu() -> bool:
    try:
        return subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


needs_brian2cuda = pytest.mark.skipif(
    importlib.util.find_spec("brian2cuda") is None or shutil.which("nvcc") is None,
    reason="needs brian2cuda and CUDA's compiler (nvcc)",
)
_GPU = _has_gpu()
needs_gpu = pytest.mark.skipif(not _GPU, reason="needs an NVIDIA GPU (nvidia-smi -L)")


@pytest.fixture
def cuda_cfg():
    cfg = load_config(None, [*SMALL, "device=cuda_standalone"])
    if not _GPU:  # compile for a Hopper GPU (H100) without looking for one
        import brian2cuda  # noqa: F401  (registers its preferences)
        from brian2 import prefs

        backend = prefs.devices.cuda_standalone.cuda_backend
        backend.detect_gpus = False
        backend.gpu_id = 0
        backend.compute_capability = 9.0
    return cfg


@pytest.mark.slow
@needs_brian2cuda
def test_the_network_and_protocol_compile_for_the_gpu(cuda_cfg):
    engine = CudaStandaloneEngine(cuda_cfg, n_input=64)
    try:
        assert (engine.build_dir / "main").is_file()
        assert "-std=c++17" in (engine.build_dir / "makefile").read_text()
    finally:
        engine.close()


@pytest.mark.slow
@needs_brian2cuda
@needs_gpu
def test_the_gpu_draws_the_input_at_the_encoded_rates_and_keeps_frozen_weights():
    """Frozen chunk of uniform grey images, no re-presentations (min_spikes = 0).

    Every input neuron fires as a Bernoulli process with p = rate * dt in each
    of the 700 steps of a 350 ms presentation, so the chunk's input spike
    count is Binomial(n_cycles * n_input * 700, p): the GPU's count must lie
    within 5 standard deviations of its mean, as the CPU's does. Frozen
    weights and thresholds come back unchanged.
    """
    overrides = [*SMALL, "encoding.min_spikes=0"]
    images = np.full((20, 64), 0.5)
    base = load_config(None, overrides)
    n_steps = int(round(float(base["protocol.presentation"] / base["network.dt"])))
    for device in ("cpp_standalone", "cuda_standalone"):
        cfg = load_config(None, [*overrides, f"device={device}"])
        engine = make_engine(cfg, 64)
        try:
            state = initial_state(cfg, 64, np.random.default_rng(0))
            result = engine.run_chunk(
                state, images, k_start=-1, nspk=0, retries=0, learning=False, seed=chunk_seed(0, 0)
            )
        finally:
            engine.close()
        np.testing.assert_array_equal(result.state["input_to_exc.w"], state["input_to_exc.w"])
        np.testing.assert_array_equal(result.state["exc.theta"], state["exc.theta"])
        p = float(0.5 * cfg["encoding.max_rate"] * cfg["network.dt"])
        n = images.size * n_steps
        assert abs(result.n_input_spikes - n * p) < 5 * np.sqrt(n * p * (1 - p)), device
