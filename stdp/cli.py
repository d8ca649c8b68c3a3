"""The ``stdp`` command line.

::

    stdp run CONFIG [--set section.key=value ...] [--out DIR]
    stdp resume RUN_DIR
    stdp evaluate RUN_DIR [--set label.n_examples=... ...]
    stdp extend RUN_DIR --set train.n_examples=N [--set ...] [--out DIR]
    stdp figures RUN_DIR [--out DIR] [--format png,pdf]
    stdp describe CONFIG [--set section.key=value ...]

Bad input (an unknown config key, a wrong unit, a missing or corrupt data
file, a checksum mismatch, a broken results folder) and file-system errors
(cannot create or write a file, no space left) end with a one-line
``stdp: error: ...`` message and exit status 2; the message also goes into
the results folder's ``log.txt``. An interrupt (SIGINT, e.g. Ctrl-C, or
SIGTERM) stops the compiled simulation, keeps the last checkpoint, says how to
continue, and exits with 130 (SIGINT) or 143 (SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import StdpError

__all__ = ["main"]


def _add_set(parser: argparse.ArgumentParser, help: str) -> None:
    """The repeatable ``--set SECTION.KEY=VALUE`` option of a command."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
        help=help,
    )  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stdp",
        description="Unsupervised STDP learning of digits (Diehl & Cook 2015) on Brian2.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="train, label and test as a config file says")
    run.add_argument("config", help="TOML config file, e.g. experiments/digits.toml")
    _add_set(
        run, 'override a config value, e.g. --set network.n_exc=100 --set "protocol.rest=150 ms"'
    )
    run.add_argument("--out", help="results folder (default: results/<config>-<time>)")

    resume = sub.add_parser(
        "resume",
        help="finish an interrupted run from its checkpoint (or start it again if it left none)",
    )
    resume.add_argument("run_dir", help="the results folder of 'stdp run'")

    evaluate = sub.add_parser("evaluate", help="label and test again from a run's checkpoint")
    evaluate.add_argument("run_dir", help="the results folder of a finished training")
    _add_set(
        evaluate,
        "label.*, test.*, protocol.eval_presentation, protocol.eval_inhibition, "
        "engine.eval_shard_size or "
        "engine.workers, e.g. --set test.presentations=10",
    )

    extend = sub.add_parser(
        "extend", help="train a run further from its checkpoint, then label and test again"
    )
    extend.add_argument("run_dir", help="the results folder of a finished or stopped run")
    _add_set(
        extend,
        "train.n_examples=N (required, more than already trained); also train.*, "
        "label.*, test.*, engine.*",
    )
    extend.add_argument(
        "--out", help="copy the run to this new folder first (default: extend in place)"
    )

    figures = sub.add_parser("figures", help="write every figure of a results folder")
    figures.add_argument("run_dir", help="a results folder")
    figures.add_argument("--out", help="output folder (default: RUN_DIR/figures)")
    figures.add_argument(
        "--format", default="png,pdf", help="comma-separated file formats (default: png,pdf)"
    )

    sweep = sub.add_parser("sweep", help="run a grid of settings x seeds on a Dask cluster")
    sweep.add_argument("config", help="TOML config file of the base point")
    sweep.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="SECTION.KEY=V1,V2",
        help="values to try, e.g. --grid network.n_exc=100,400 "
        '--grid "exc.theta_plus=0.05 mV,0.1 mV"',
    )
    sweep.add_argument("--seeds", type=int, default=1, help="seeds per point (seed, seed+1, ...)")
    sweep.add_argument("--scheduler", help="address of an existing Dask scheduler")
    sweep.add_argument("--workers", type=int, help="local workers (default: one per core)")
    sweep.add_argument("--out", help="sweep folder (default: results/sweep-<config>)")
    sweep.add_argument(
        "--shared",
        action="store_true",
        help="with --scheduler: every worker sees --out under the same absolute path, so "
        "runs write there directly (default: results are sent back to this client)",
    )

    describe = sub.add_parser("describe", help="print the model of a config as Markdown")
    describe.add_argument("config", help="TOML config file, e.g. experiments/digits.toml")
    _add_set(describe, "override a config value before describing")
    return parser


_SIGNALS: dict[str, int | None] = {"received": None}


def _on_signal(signum: int, frame) -> None:
    """SIGINT and SIGTERM: unwind as a KeyboardInterrupt once (the run keeps its checkpoint)."""
    if _SIGNALS["received"] is None:
        _SIGNALS["received"] = signum
        raise KeyboardInterrupt(f"signal {signum}")


def _run_dir(args: argparse.Namespace) -> Path | None:
    """The results folder a command works on (fixed before it starts), if any."""
    if args.command == "run":
        from .experiment import default_out

        if args.out is None:
            args.out = str(default_out(args.config))
        return Path(args.out)
    if args.command in ("resume", "evaluate"):
        return Path(args.run_dir)
    if args.command == "extend":
        return Path(args.out or args.run_dir)
    return None


def _log(run_dir: Path | None, message: str) -> None:
    """Append ``message`` to the results folder's log, if there is one to write to."""
    if run_dir is None or not run_dir.is_dir():
        return
    from .experiment import append_log

    try:
        append_log(run_dir, message)
    except OSError:
        pass


def _one_line(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        where = f"{err.filename}: " if err.filename else ""
        return f"{where}{err.strerror}"
    if isinstance(err, MemoryError):
        return "out of memory (use a smaller network.n_exc or fewer examples)"
    return " ".join(str(err).split()) or type(err).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``stdp`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _quiet_brian()
    _SIGNALS["received"] = None
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    run_dir = None
    try:
        run_dir = _run_dir(args)
        return _command(args)
    except (KeyboardInterrupt, Exception) as err:
        received = _SIGNALS["received"]
        if received is not None or isinstance(err, KeyboardInterrupt):
            # Whatever the interrupt broke on its way out (a killed simulation,
            # a half-read result) is part of the interrupt, not another error.
            hint = (
                "start the same sweep again: finished runs are skipped, checkpointed ones resumed"
                if args.command == "sweep"
                else f"continue with 'stdp resume {run_dir}'"
                if run_dir is not None
                else "nothing was written"
            )
            print(f"stdp: interrupted; {hint}", file=sys.stderr)
            return 143 if received == signal.SIGTERM else 130
        if isinstance(err, StdpError | OSError | MemoryError):
            message = _one_line(err)
            _log(run_dir, f"error: {message}")
            print(f"stdp: error: {message}", file=sys.stderr)
            return 2
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _command(args: argparse.Namespace) -> int:
    """Run one command (errors go to `main`)."""
    from . import experiment

    if args.command == "run":
        _, run_dir = experiment.run_experiment(args.config, args.overrides, args.out)
    elif args.command == "sweep":
        from .sweep import run_sweep

        table = run_sweep(
            args.config,
            args.grid,
            args.seeds,
            args.out,
            args.scheduler,
            args.workers,
            shared=args.shared,
        )
        failed = sum(row["failed"] for row in table)
        print(f"{len(table)} points, {failed} failed runs; table in sweep.md / sweep.csv")
        return 1 if failed else 0
    elif args.command in ("figures", "describe"):
        try:
            return _figures_or_describe(args)
        except BrokenPipeError:  # e.g. "stdp describe CONFIG | head"
            sys.stderr.close()
            return 0
    elif args.command == "extend":
        _, run_dir = experiment.extend_run(args.run_dir, args.overrides, args.out)
    elif args.command == "resume":
        run_dir = args.run_dir
        experiment.resume_experiment(run_dir)
    else:
        run_dir = args.run_dir
        experiment.evaluate_run(run_dir, args.overrides)
    # The accuracy is on the last line of the run's own output already.
    print(f"results: {run_dir}")
    return 0


def _figures_or_describe(args: argparse.Namespace) -> int:
    """``stdp figures`` (files written, one per line) and ``stdp describe`` (Markdown)."""
    if args.command == "figures":
        from .figures import make_figures, parse_formats

        try:
            formats = parse_formats(args.format)
        except ValueError as err:
            raise StdpError(f"--format: {args.format!r}: {err}") from None
        paths = make_figures(args.run_dir, args.out, formats)
        print("\n".join(str(path) for path in paths))
    else:
        from .config import load_config
        from .describe import describe

        print(describe(load_config(args.config, args.overrides)))
    return 0


def _quiet_brian() -> None:
    """Keep Brian2 from writing debug logs and script copies to the temp folder."""
    from brian2 import prefs

    prefs.logging.file_log = False
    prefs.logging.delete_log_on_exit = True
    prefs.logging.save_script = False
    prefs.logging.console_log_level = "WARNING"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
