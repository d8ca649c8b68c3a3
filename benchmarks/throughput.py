"""Training throughput of the Diehl & Cook network: compiled engine vs runtime vs naive loop.

Trains from the initial state on the first MNIST training images, in order,
with the faithful protocol (350 ms + 150 ms, re-presentation rule, normalisation,
0-10 ms delays, dt 0.5 ms, forward Euler), one thread, and prints for each
network size: the compiled engine with each Poisson generator
(``encoding.generator``: geometric, the default, and bernoulli, the original's
per-step draw; same statistics) and each delay queue (``engine.spike_queue``:
runs, the default, and Brian2's own; same results bit for bit), Brian2's
runtime mode with the same network, and a naive port that calls ``run()`` twice per digit
(``benchmarks/naive_loop.py``); for each: examples/s, presentations/s
(re-presentations included), the simulation's share of the wall time, and
nanoseconds per synaptic event.
Only whole chunks of compiled runs are timed (chunks of ``engine.chunk_cycles``
cycles, as in training, unless ``--chunk`` says otherwise): at least
``--examples`` examples, up to the end of the chunk in which they finish.
Compilation (cpp_standalone) and the first Cython build (runtime) are excluded
and reported separately. All figures of one invocation come from one process,
so their ratios are comparable.

Synaptic events per presentation = input spikes x N (on_pre) + excitatory
spikes x n_input (on_post) + excitatory spikes (exc->inh) + inhibitory spikes x
(N - 1) (inh->exc).

Usage::

    python benchmarks/throughput.py                       # N = 100 and 400, MNIST
    python benchmarks/throughput.py --sizes 1600 6400 --examples 200 \
        --no-runtime --no-naive --set network.method=exponential_euler
    python benchmarks/throughput.py --sizes 100 --examples 2000 --runtime-examples 50
    python benchmarks/throughput.py --sizes 6400 --examples 100 --no-runtime --no-naive \
        --devices cpp_standalone cuda_standalone --generators geometric --queues runs

``--devices`` times the compiled engine on each device named (cuda_standalone
needs brian2cuda and an NVIDIA GPU); the ratio of each to cpp_standalone is printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np


def measure(cfg_overrides, device, n_examples, n_warmup, images, n_input):
    from stdp.config import load_config
    from stdp.engine import make_engine
    from stdp.network import initial_state
    from stdp.passes import PassPosition, run_pass

    cfg = load_config(None, cfg_overrides + [f"device={device}"])
    start = time.perf_counter()
    engine = make_engine(cfg, n_input)
    setup = time.perf_counter() - start
    try:
        state = initial_state(cfg, n_input, np.random.default_rng(cfg["seed"]))
        position = PassPosition.start(cfg)
        warm = 0.0
        if n_warmup:
            # Not timed: absorbs Cython compilation in runtime mode.
            start = time.perf_counter()
            state, _, position = run_pass(
                engine,
                state,
                images,
                n_warmup,
                learning=True,
                seed=cfg["seed"],
                stream=0,
                position=position,
                record_counts=False,
            )
            warm = time.perf_counter() - start
        before = position.stats.__dict__.copy()
        first = position.done

        def enough(pos, _state, _counts) -> bool:
            return pos.done - first >= n_examples

        start = time.perf_counter()
        # A pass's last chunk is padded with idle cycles after its last example;
        # a long training run does not notice, a short measurement would (up to
        # 12 % at 1,000 examples). So the pass asked for is longer than needed
        # and stops at the first chunk boundary after n_examples have finished:
        # only whole chunks of real examples are timed.
        state, _, position = run_pass(
            engine,
            state,
            images,
            first + n_examples + 2 * engine.chunk_cycles,  # rows enough to fill every chunk
            learning=True,
            seed=cfg["seed"],
            stream=0,
            position=position,
            on_chunk=enough,
            record_counts=False,
        )
        wall = time.perf_counter() - start
    finally:
        engine.close()
    s = position.stats
    d = {k: getattr(s, k) - before[k] for k in before}
    n_exc = cfg["network.n_exc"]
    events = (
        d["input_spikes"] * n_exc
        + d["exc_spikes"] * n_input
        + d["exc_spikes"]
        + d["inh_spikes"] * (n_exc - 1)
    )
    return {
        "device": device,
        "n_exc": n_exc,
        "examples": d["examples"],
        "presentations": d["presentations"],
        "examples_per_s": d["examples"] / wall,
        "presentations_per_s": d["presentations"] / wall,
        "sim_share": d["sim_seconds"] / wall,
        "ns_per_event": 1e9 * d["sim_seconds"] / events if events else float("nan"),
        "events_per_presentation": events / max(d["presentations"], 1),
        "input_spikes_per_presentation": d["input_spikes"] / max(d["presentations"], 1),
        "exc_spikes_per_presentation": d["exc_spikes"] / max(d["presentations"], 1),
        "setup_s": setup,
        "warmup_s": warm,
        "wall_s": wall,
    }


def _measure_in_subprocess(spec: dict) -> dict:
    """Each measurement runs in a fresh process: Brian2's device is global state."""
    proc = subprocess.run(
        [sys.executable, __file__, "--one", json.dumps(spec)], stdout=subprocess.PIPE, text=True
    )
    if proc.returncode:  # the measurement has said why on stderr (one line for a setting)
        raise SystemExit(proc.returncode)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _one(spec: dict) -> None:
    from brian2 import prefs

    from stdp.datasets import load_dataset
    from stdp.encoding import encode_images

    prefs.logging.file_log = False
    pixels = load_dataset(spec["dataset"]).train_images
    images = encode_images(pixels)  # intensities, for the naive loop
    if spec["device"] == "naive":
        from naive_loop import measure_naive

        from stdp.config import load_config

        cfg = load_config(None, spec["overrides"])
        result = measure_naive(cfg, images, spec["examples"], spec["warmup"])
    else:
        result = measure(
            spec["overrides"],
            spec["device"],
            spec["examples"],
            spec["warmup"],
            pixels.reshape(pixels.shape[0], -1),  # run_pass takes pixel values
            images.shape[1],
        )
    print(json.dumps(result))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 400])
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--examples", type=int, default=1000, help="timed examples, compiled")
    parser.add_argument("--runtime-examples", type=int, default=40, help="timed examples, runtime")
    parser.add_argument(
        "--chunk",
        type=int,
        help="cycles per compiled run (default: engine.chunk_cycles, as in training)",
    )
    parser.add_argument(
        "--generators",
        nargs="+",
        default=["geometric", "bernoulli"],
        choices=["geometric", "bernoulli"],
        help="Poisson input generators to time (compiled engine)",
    )
    parser.add_argument(
        "--queues",
        nargs="+",
        default=["runs", "brian2"],
        choices=["runs", "brian2"],
        help="delay queues to time (engine.spike_queue; same results bit for bit)",
    )
    parser.add_argument(
        "--devices",
        nargs="+",
        default=["cpp_standalone"],
        choices=["cpp_standalone", "cuda_standalone"],
        help="compiled devices to time (cuda_standalone: brian2cuda on an NVIDIA GPU)",
    )
    parser.add_argument("--naive-examples", type=int, default=20, help="timed examples, naive")
    parser.add_argument("--no-runtime", action="store_true")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive run() loop")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="config override for every measurement, e.g. --set network.method=exponential_euler",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        from stdp.errors import StdpError

        try:
            _one(json.loads(args.one))
        except StdpError as err:  # e.g. cuda_standalone without brian2cuda
            print(f"throughput: {err}", file=sys.stderr)
            return 2
        return 0

    import brian2

    print(
        f"# stdp throughput benchmark: {args.dataset}, faithful protocol, 1 thread, "
        f"brian2 {brian2.__version__}, numpy {np.__version__}",
        flush=True,
    )
    rows = []
    for n in args.sizes:
        chunk = [f"engine.chunk_cycles={args.chunk}"] if args.chunk else []
        base = [f"network.n_exc={n}", *chunk, "seed=1", *args.set]
        for device in args.devices:
            for generator in args.generators:
                for queue in args.queues:
                    spec = {
                        "dataset": args.dataset,
                        "overrides": [
                            *base,
                            f"encoding.generator={generator}",
                            f"engine.spike_queue={queue}",
                        ],
                        "device": device,
                    }
                    row = _measure_in_subprocess({**spec, "examples": args.examples, "warmup": 0})
                    row["device"] = f"{device}, {generator}, {queue} queue"
                    rows.append(row)
                    _print(rows[-1])
        if not args.no_runtime:
            rt = [f"network.n_exc={n}", "engine.chunk_cycles=10", "seed=1", *args.set]
            spec = {"dataset": args.dataset, "overrides": rt, "device": "runtime"}
            rows.append(
                _measure_in_subprocess({**spec, "examples": args.runtime_examples, "warmup": 10})
            )
            _print(rows[-1])
        if not args.no_naive:
            spec = {
                "dataset": args.dataset,
                "overrides": [f"network.n_exc={n}", "seed=1", *args.set],
            }
            rows.append(
                _measure_in_subprocess(
                    {**spec, "device": "naive", "examples": args.naive_examples, "warmup": 2}
                )
            )
            _print(rows[-1])
    print()
    print(
        "| N | device | examples/s | presentations/s | ns per synaptic event | "
        "synaptic events per presentation | setup s |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['n_exc']} | {r['device']} | {r['examples_per_s']:.1f} | "
            f"{r['presentations_per_s']:.1f} | {r['ns_per_event']:.1f} | "
            f"{r['events_per_presentation']:.3g} | {r['setup_s']:.1f} |"
        )
    for n in args.sizes:
        c = [r for r in rows if r["n_exc"] == n and r["device"].startswith("cpp_standalone")]
        for other in ("runtime", "naive loop"):
            o = [r for r in rows if r["n_exc"] == n and r["device"] == other]
            if c and o:
                ratio = c[0]["examples_per_s"] / o[0]["examples_per_s"]
                print(f"N={n}: compiled ({c[0]['device']}) / {other} = {ratio:.1f}x")
        for generator in args.generators:
            by_queue = {
                q: r
                for r in c
                for q in args.queues
                if r["device"] == f"cpp_standalone, {generator}, {q} queue"
            }
            if "runs" in by_queue and "brian2" in by_queue:
                ratio = by_queue["runs"]["examples_per_s"] / by_queue["brian2"]["examples_per_s"]
                print(f"N={n}, {generator}: runs queue / Brian2's queue = {ratio:.2f}x")
            for queue in args.queues:
                label = f"{generator}, {queue} queue"
                by_device = {
                    r["device"].split(",")[0]: r
                    for r in rows
                    if r["n_exc"] == n and r["device"].endswith(label)
                }
                if "cpp_standalone" in by_device and "cuda_standalone" in by_device:
                    ratio = (
                        by_device["cuda_standalone"]["examples_per_s"]
                        / by_device["cpp_standalone"]["examples_per_s"]
                    )
                    print(f"N={n}, {label}: cuda_standalone / cpp_standalone = {ratio:.2f}x")
    return 0


def _print(r):
    print(
        f"N={r['n_exc']:5d} {r['device']:42s} {r['examples']:5d} examples "
        f"({r['presentations']} presentations) in {r['wall_s']:.1f} s: "
        f"{r['examples_per_s']:.1f} ex/s, {r['presentations_per_s']:.1f} pres/s, "
        f"{r['ns_per_event']:.1f} ns/event, sim {100 * r['sim_share']:.0f}% of wall, "
        f"input spikes/pres {r['input_spikes_per_presentation']:.0f}, "
        f"exc spikes/pres {r['exc_spikes_per_presentation']:.1f}, setup {r['setup_s']:.1f} s",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
