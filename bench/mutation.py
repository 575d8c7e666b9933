"""Mutation testing of the modules where a silent bug costs most: a benchmark-style job, never
part of the per-commit test run (it takes minutes per module).

    .venv/bin/pip install -e ".[mutation]"
    .venv/bin/python bench/mutation.py                      # every module, one at a time
    .venv/bin/python bench/mutation.py cells noise          # some of them
    .venv/bin/python bench/mutation.py --list               # the modules and their tests
    .venv/bin/python bench/mutation.py noise --keep /tmp/mut --time-limit 1800
    .venv/bin/python bench/mutation.py noise --keep /tmp/mut --recheck   # after adding tests

For each module, the working tree's ``src``, ``tests`` and ``pyproject.toml`` are copied into a
temporary directory and mutmut (PyPI, 3.x) mutates only that module and runs only that module's
own tests (``--max-children 1`` by default: the machine is shared). A mutant is *killed* when a
test fails or times out, *survived* when every test still passes, *no tests* when no selected
test calls the mutated function. The score is killed / (killed + survived + no tests): a mutant
no test reaches counts against the module. Equivalent survivors (mutants that do not change
behaviour) are listed, with the reason, in ``docs/notes/issue-19-mutation.md``.

Prints one row per module (mutants, killed, survived, no tests, timeouts, score) and, with
``--survivors``, the diff of every surviving mutant. Exit status 1 when a module scores under
``--target`` (default 0.90).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    name: str
    path: str  # the module to mutate, relative to the repository root
    tests: tuple[str, ...]  # its own tests (pytest arguments)


# Tests that run ``python -m seedtrail`` in a subprocess: mutmut's switch does not reach a child
# process (which then fails looking for mutmut's configuration), so they are left out.
SUBPROCESS_TESTS = (
    "--ignore=tests/cleanroom/test_cleanroom_cmd.py",
    "--deselect=tests/cleanroom/test_export.py::test_report_command_with_dp_and_budget",
)
CLEANROOM = ("tests/cleanroom", *SUBPROCESS_TESTS)
# The attribution models on DuckDB (its anchor-route variants included); Spark runs the same SQL
# and would make each mutant take a JVM's start-up.
MODELS = ("tests/attribution/test_models.py", "tests/attribution/test_conformance.py")
ATTRIBUTION = ("-m", "not spark", "tests/attribution/test_datadriven.py", *MODELS)


TARGETS = (
    Target("suppression", "src/seedtrail/cleanroom/suppression.py", CLEANROOM),
    Target("signature", "src/seedtrail/intake/signature.py", ("tests/intake",)),
    Target(
        "clicklog",
        "src/seedtrail/links/clicklog.py",
        ("tests/links/test_clicklog.py", "tests/links/test_redirect.py"),
    ),
    Target("cells", "src/seedtrail/cleanroom/cells.py", CLEANROOM),
    Target("noise", "src/seedtrail/cleanroom/noise.py", CLEANROOM),
    Target("budget", "src/seedtrail/cleanroom/budget.py", CLEANROOM),
    Target("release", "src/seedtrail/cleanroom/release.py", CLEANROOM),
    # The policy's own tests and the mount-time decisions through the API; the redirect's tests
    # (which decide again at every click) build worlds per test and add nothing the unit tests
    # of the pure function do not check.
    Target(
        "policy",
        "src/seedtrail/links/policy.py",
        (
            "tests/links/test_policy.py",
            "tests/links/test_policy_text.py",
            "tests/links/test_ad_label.py",
            "tests/links/test_mounts.py",
        ),
    ),
    # The models' hand-computed credits (every model, DuckDB and its anchor-route variants); the
    # conformance suite holds engines to each other on a generated world and would make every
    # surviving mutant rebuild it.
    Target(
        "models",
        "src/seedtrail/attribution/models.py",
        ("-m", "not spark", "tests/attribution/test_models.py"),
    ),
    Target(
        "datadriven",
        "src/seedtrail/attribution/datadriven.py",
        ATTRIBUTION,
    ),
)


def _toml_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def _prepare(target: Target, work: Path) -> None:
    shutil.copytree(ROOT / "src", work / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "docs", work / "docs")  # some tests check the docs against the code
    config = (ROOT / "pyproject.toml").read_text("utf-8")
    config += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        'also_copy = ["docs"]\n'
        f"only_mutate = {_toml_list([target.path])}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(target.tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
        "use_git_change_detection = false\n"
    )
    (work / "pyproject.toml").write_text(config, "utf-8")


@dataclass
class Score:
    target: Target
    total: int
    killed: int
    survived: int
    no_tests: int
    timeouts: int
    other: int
    seconds: float
    stopped: bool
    survivors: list[str]

    @property
    def score(self) -> float:
        scored = self.killed + self.timeouts + self.survived + self.no_tests
        return (self.killed + self.timeouts) / scored if scored else float("nan")


def _mutmut(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("mutmut")
    return subprocess.run([str(exe), *args], cwd=work, capture_output=True, text=True, check=False)


def _run_bounded(
    work: Path, children: int, limit: float | None, names: list[str] | None = None
) -> tuple[str, bool]:
    """``mutmut run``, stopped (its whole process group) after ``limit`` seconds. Returns its
    output and whether it was stopped; mutmut records each mutant's result as it goes, so the
    mutants checked before the stop still count and the rest show as ``not checked``."""
    exe = Path(sys.executable).with_name("mutmut")
    args = [str(exe), "run", "--max-children", str(children), *(names or [])]
    with subprocess.Popen(
        args,
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            out, _ = proc.communicate(timeout=limit)
            return out, False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                out, _ = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                out, _ = proc.communicate()
            return out, True


def _results(work: Path) -> dict[str, str]:
    """mutant name -> status, from ``mutmut results --all true``."""
    out = _mutmut(work, "results", "--all", "true").stdout
    statuses: dict[str, str] = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            statuses[name] = status.strip()
    return statuses


def _rerun_args(work: Path) -> list[str]:
    """The mutants a re-check runs again: those not killed (or not reached) last time."""
    again = ("survived", "no tests", "not checked")
    return sorted(n for n, s in _results(work).items() if s in again)


def _refresh_tests(work: Path) -> None:
    shutil.rmtree(work / "tests")
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__"))


def run_target(
    target: Target, children: int, show: bool, limit: float | None, keep: Path | None, recheck: bool
) -> Score:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"mutation-{target.name}-") as tmp:
        work = keep / target.name if keep else Path(tmp)
        if recheck:
            # Tests were only added since the kept run (the old ones still stand), so a mutant
            # killed then is killed now: only the others run again, under the current tests.
            _refresh_tests(work)
            names = _rerun_args(work)
            out, stopped = _run_bounded(work, children, limit, names) if names else ("", False)
        else:
            if keep:
                work.mkdir(parents=True)
            _prepare(target, work)
            out, stopped = _run_bounded(work, children, limit)
        statuses = _results(work)
        if not statuses or all(s == "not checked" for s in statuses.values()):
            sys.stderr.write(out[-8000:])
            raise SystemExit(f"{target.name}: mutmut checked no mutant (see its output above)")
        count = {s: 0 for s in ("killed", "survived", "no tests", "timeout")}
        other = 0
        for status in statuses.values():
            if status in count:
                count[status] += 1
            else:
                other += 1
        survivors = sorted(n for n, s in statuses.items() if s in ("survived", "no tests"))
        if show:
            for name in survivors:
                print(f"--- {name} ({statuses[name]})")
                print(_mutmut(work, "show", name).stdout)
    return Score(
        target,
        len(statuses),
        count["killed"],
        count["survived"],
        count["no tests"],
        count["timeout"],
        other,
        time.perf_counter() - started,
        stopped,
        survivors,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="names from --list (default: all)")
    parser.add_argument("--list", action="store_true", help="list the modules and their tests")
    parser.add_argument("--children", type=int, default=1, help="mutants run in parallel")
    parser.add_argument("--target", type=float, default=0.90, help="lowest acceptable score")
    parser.add_argument("--survivors", action="store_true", help="print surviving mutants")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds per module; mutants not reached by then count as 'other' (not checked)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep each module's mutmut directory as KEEP/<module> (it must not exist yet)",
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="with --keep: copy the current tests into the kept directories and run again only "
        "the mutants that survived, had no tests or were not reached",
    )
    args = parser.parse_args(argv)
    if args.recheck and not args.keep:
        parser.error("--recheck needs --keep DIR (the directory of an earlier --keep run)")
    by_name = {t.name: t for t in TARGETS}
    if args.list:
        for t in TARGETS:
            print(f"{t.name:12} {t.path}  tests: {' '.join(t.tests)}")
        return 0
    unknown = [m for m in args.modules if m not in by_name]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; see --list")
    chosen = [by_name[m] for m in args.modules] if args.modules else list(TARGETS)
    print(
        f"{'module':12} {'mutants':>7} {'killed':>6} {'surv.':>5} {'no test':>7} "
        f"{'timeout':>7} {'other':>5} {'score':>6} {'seconds':>7}"
    )
    failed = False
    for target in chosen:
        s = run_target(
            target, args.children, args.survivors, args.time_limit, args.keep, args.recheck
        )
        print(
            f"{target.name:12} {s.total:7} {s.killed:6} {s.survived:5} {s.no_tests:7} "
            f"{s.timeouts:7} {s.other:5} {s.score:6.1%} {s.seconds:7.0f}"
            + ("  (stopped at the time limit)" if s.stopped else ""),
            flush=True,
        )
        failed |= not s.score >= args.target
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
