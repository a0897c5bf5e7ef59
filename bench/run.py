"""``make bench``: generate the submissions, measure every tool on them in one run on this
machine, and write ``bench/results/<date>.json``, ``.md`` and plots.

    python -m bench.run [--size small|full] [--out bench/results] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from autograder.config import load_course

from . import ours, overhead, report
from .stats import merged_runs, summary
from .submissions import ROOT, submission_set, write_python

A1 = report.A1
# nbgrader's and otter's sides are imported where they are used: grading workers are spawned
# processes that import this module again, and nbformat alone takes seconds to import


# Submissions (correct, hand-written mistakes, planted mutants) for a1 and for each other
# assignment (a1 is the one compared with nbgrader and otter; the torch assignments take
# several seconds each); cold runs; copies of the a1 set in a throughput batch; overhead
# (submissions, repeats) for a1 and the others; otter runs and one-per-student nbgrader runs;
# and the steps left out ("smoke" is the test's).
SIZES = {
    "smoke": {"a1_set": (1, 0, 1), "other_set": None, "cold_runs": 1, "copies": 1,
              "overhead_a1": (1, 1), "overhead_other": (0, 0), "otter": 0,
              "nbgrader_single": 0, "skip": {"a1 batches (ours and nbgrader's)",
                                             "course grade --all", "sandbox overhead",
                                             "nbgrader autograde", "otter run"}},
    "small": {"a1_set": (2, 1, 3), "other_set": (1, 0, 1), "cold_runs": 2, "copies": 4,
              "overhead_a1": (1, 2), "overhead_other": (0, 0), "otter": 2,
              "nbgrader_single": 1},
    "full": {"a1_set": (4, 4, 8), "other_set": (2, 1, 3), "cold_runs": 3, "copies": 8,
             "overhead_a1": (3, 5), "overhead_other": (1, 2), "otter": 5,
             "nbgrader_single": 2},
}


def machine() -> dict:
    import torch

    cuda = torch.cuda.is_available()
    return {"cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "torch": torch.__version__,
            "cuda_available": cuda, "cuda_device": torch.cuda.get_device_name(0) if cuda else None,
            "load_before": [round(x, 2) for x in os.getloadavg()]}


class Run:
    """One benchmark run: its settings, its folders, and the results as they come."""

    def __init__(self, size: str, work: Path, seed: int):
        self.size, self.config, self.work, self.seed = size, SIZES[size], work, seed
        self.course = load_course(ROOT / "course.yml")
        self.errors: list[str] = []
        self.results: dict = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "size": size,
            "seed": seed, "machine": machine(), "errors": self.errors, "submissions": {},
            "cold_grade": {}, "latency": {"workers_1": {}, "workers_all": {}},
            "throughput": {}, "overhead": {}, "memory": {},
            "hidden_cases": {"ours": {}, "nbgrader": {}, "otter": {}},
            "nbgrader": {}, "otter": {}, "skipped": sorted(self.config.get("skip", ())),
            "steps_s": {}}

    def attempt(self, what: str, step) -> None:
        """Run a step; a failure is recorded with its reason instead of a number."""
        if what in self.config.get("skip", ()):
            return
        print(f"bench: {what}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            step()
        except Exception as exc:
            self.errors.append(f"{what}: {type(exc).__name__}: {str(exc)[-800:]}")
            traceback.print_exc()
        self.results["steps_s"][what] = time.perf_counter() - started

    # ------------------------------------------------------------------ submissions
    def prepare(self) -> None:
        from . import nbgrader_side
        from .notebooks import write_filled

        sets = {a.id: self.config["a1_set"] if a.id == A1 else self.config["other_set"]
                for a in self.course.assignments}
        self.subs = {aid: submission_set(aid, correct=n[0], bugs=n[1], mutated=n[2],
                                         seed=self.seed) for aid, n in sets.items() if n}
        self.py = {aid: write_python(subs, self.work / "py" / aid)
                   for aid, subs in self.subs.items()}
        self.results["submissions"] = {aid: [{"name": s.name, "kind": s.kind,
                                              "origin": s.origin} for s in subs]
                                       for aid, subs in self.subs.items()}
        self.nbcourse = nbgrader_side.course_folder(self.course, self.work / "nbgrader")
        released = nbgrader_side.release(self.nbcourse, self.course, A1)
        self.notebooks = {A1: nbgrader_side.place(self.nbcourse, released, self.subs[A1])}
        for aid, subs in self.subs.items():
            if aid != A1:
                notebook = self.course.path(self.course.assignment(aid).notebook)
                self.notebooks[aid] = {s.name: write_filled(
                    notebook, s.source, self.work / "notebooks" / aid / f"{s.name}.ipynb")
                    for s in subs}

    # ------------------------------------------------------------------ ours
    def cold(self) -> None:
        for aid, paths in self.py.items():
            measured = ours.cold_grade(paths["reference"], aid, self.config["cold_runs"],
                                       self.work)
            measured["median_s"] = summary(measured["runs_s"])["median"]
            self.results["cold_grade"][aid] = measured
        self.results["memory"]["cold_process_mb"] = max(
            m["peak_rss_mb"] for m in self.results["cold_grade"].values())

    def latency(self) -> None:
        items = [(name, path, aid) for aid, paths in self.notebooks.items()
                 for name, path in paths.items()]
        for key, workers in (("workers_1", 1), ("workers_all", os.cpu_count() or 1)):
            runs = ours.latencies(self.course, items, workers, self.work)
            for aid in self.notebooks:
                mine = [r for r in runs if r["assignment"] == aid]
                self.results["latency"][key][aid] = {
                    "workers": workers, "runs": mine,
                    "summary": summary([r["seconds"] for r in mine])}
        runs = [r for v in self.results["latency"]["workers_1"].values() for r in v["runs"]]
        reference = next(r for r in runs if r["assignment"] == A1 and r["name"] == "reference")
        self.results["hidden_cases"]["ours"] = reference["hidden"]
        memory = self.results["memory"]
        memory["grader_mb"] = max(r["grader_hwm_mb"] or 0 for r in runs)
        memory["fork_servers_mb"] = {}
        for r in runs:
            for server, peak in r["fork_servers_hwm_mb"].items():
                memory["fork_servers_mb"][server] = max(peak, memory["fork_servers_mb"].get(
                    server, 0))

    def batches(self) -> None:
        """The a1 batches, each twice, in the order: ours with one worker, nbgrader's
        autograde, ours with one worker per core, the same again, nbgrader, ours with one
        worker. The three are centred on the same moment, so a drift in the machine's
        speed during the step (common on shared virtual machines) cancels out of their
        ratios instead of favouring one of them."""
        from . import nbgrader_side

        paths = {f"{name}-{copy}": path for copy in range(self.config["copies"])
                 for name, path in self.notebooks[A1].items()}
        workers = {"workers_1": 1, "workers_all": os.cpu_count() or 1}
        order = ["workers_1", "nbgrader", "workers_all", "workers_all", "nbgrader", "workers_1"]
        if "nbgrader autograde" in self.config.get("skip", ()):
            order = [key for key in order if key != "nbgrader"]
        runs: dict[str, list] = {key: [] for key in order}
        for key in order:
            runs[key].append(nbgrader_side.autograde(self.nbcourse, A1) if key == "nbgrader"
                             else ours.batch_throughput(self.course, A1, paths, workers[key]))
        for key in workers:
            merged = self.results["throughput"][key] = merged_runs(runs[key])
            merged["per_second"] = len(paths) / merged["wall_s"]  # the rate of the mean
        if runs.get("nbgrader"):
            self.results["nbgrader"]["batch"] = merged_runs(runs["nbgrader"])

    def course_grade_all(self) -> None:
        from . import nbgrader_side

        folder = nbgrader_side.copy_folder(self.nbcourse, self.work / "nbgrader-ours")
        self.results["throughput"]["course_grade_all"] = ours.grade_all_command(
            folder.root, A1, folder.exchange)

    def sandbox_overhead(self) -> None:
        for aid, subs in self.subs.items():
            count, repeats = self.config["overhead_a1" if aid == A1 else "overhead_other"]
            correct = [s for s in subs if s.kind == "correct"][:count]
            self.results["overhead"][aid] = {
                s.name: overhead.overhead(self.course, self.py[aid][s.name], aid, repeats)
                for s in correct}

    # ------------------------------------------------------------------ nbgrader, otter
    def nbgrader(self) -> None:
        from . import nbgrader_side

        out = self.results["nbgrader"]
        if "batch" not in out:  # the a1 batches step did not run it
            out["batch"] = nbgrader_side.autograde(self.nbcourse, A1)
        out["batch_summary"] = summary(list(out["batch"]["per_submission_s"].values()))
        outcomes = {s.name: nbgrader_side.outcomes(self.nbcourse, A1, s.name)
                    for s in self.subs[A1]}
        out["scores"] = {name: o["score"] for name, o in outcomes.items()}
        self.results["hidden_cases"]["nbgrader"] = outcomes["reference"]["hidden_cells_run"]
        singles = [s.name for s in self.subs[A1]][:self.config["nbgrader_single"]]
        out["per_student"] = {name: nbgrader_side.autograde(self.nbcourse, A1, [name])["wall_s"]
                              for name in singles}
        out["per_student_summary"] = summary(list(out["per_student"].values()))

    def otter(self) -> None:
        from . import otter_side

        out = self.results["otter"]
        started = time.perf_counter()
        autograder_zip, student = otter_side.export(self.course, A1, self.work / "otter")
        out["export_s"] = time.perf_counter() - started
        self.results["hidden_cases"]["otter"] = otter_side.hidden_cases(autograder_zip)
        step = max(1, len(self.subs[A1]) // max(1, self.config["otter"]))
        chosen = self.subs[A1][::step][:self.config["otter"]]  # spread over the kinds
        out["runs"] = {s.name: otter_side.run(autograder_zip, student, s, self.work / "otter-runs")
                       for s in chosen}
        failed = {n: r["error"] for n, r in out["runs"].items() if "error" in r}
        if failed:
            self.errors.append(f"otter run failed on {sorted(failed)}: "
                               f"{next(iter(failed.values()))[-500:]}")
        out["summary"] = summary([r["seconds"] for r in out["runs"].values()
                                  if "error" not in r])

    def per_submission(self) -> None:
        """Each a1 submission's time with every tool, and the ratio of theirs to ours."""
        ours_runs = {r["name"]: r for r in self.results["latency"]["workers_1"].get(
            A1, {}).get("runs", [])}
        nb = self.results["nbgrader"].get("batch", {}).get("per_submission_s", {})
        ot = self.results["otter"].get("runs", {})
        table = {}
        for name, run in ours_runs.items():
            row = {"ours_s": run["seconds"], "ours_score": run["score"],
                   "nbgrader_s": nb.get(name), "otter_s": ot.get(name, {}).get("seconds"),
                   "nbgrader_score": self.results["nbgrader"].get("scores", {}).get(name),
                   "otter_score": ot.get(name, {}).get("score")}
            row["nbgrader_ratio"] = report.ratio(row["nbgrader_s"], run["seconds"])
            row["otter_ratio"] = report.ratio(row["otter_s"], run["seconds"])
            table[name] = row
        self.results["per_submission_a1"] = table


class LoadSampler(threading.Thread):
    """The 1-minute load average every few seconds while the run goes on: other work on the
    machine shows in it (ours alone is about 1 with one worker, up to the cores with all)."""

    def __init__(self, every: float = 5.0):
        super().__init__(daemon=True)
        self.every, self.samples, self.done = every, [], threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    def summary(self) -> dict:
        self.done.set()
        if not self.samples:
            return {}
        return {"max": max(self.samples), "mean": round(sum(self.samples) / len(self.samples), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default=os.environ.get(
        "BENCH_SIZE") or "full")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--work", type=Path, help="where the submissions and course folders "
                        "go (default: a temporary folder, removed afterwards)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-"))
    # recorded inputs (autograder/checks/recordings.py) start empty in every run, for every tool
    cache = work.resolve() / "course-cache"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["COURSE_CACHE_DIR"] = str(cache)
    started = time.perf_counter()
    run = Run(args.size, work.resolve(), args.seed)
    load = LoadSampler()
    load.start()
    try:
        run.attempt("generating the submissions and course folders", run.prepare)
        if not hasattr(run, "notebooks"):
            raise SystemExit("bench: the submissions could not be prepared: " + run.errors[-1])
        for what, step in (("cold course grade", run.cold), ("warm latency", run.latency),
                           ("a1 batches (ours and nbgrader's)", run.batches),
                           ("course grade --all", run.course_grade_all),
                           ("sandbox overhead", run.sandbox_overhead),
                           ("nbgrader autograde", run.nbgrader), ("otter run", run.otter),
                           ("per-submission ratios", run.per_submission)):
            run.attempt(what, step)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    run.results["run_s"] = time.perf_counter() - started
    run.results["machine"]["load_during"] = load.summary()
    stem = datetime.now(UTC).strftime("%Y-%m-%dT%H%M")
    paths = report.write(run.results, args.out, stem)
    print(paths["markdown"].read_text())
    print("\n".join(f"wrote {p}" for p in paths.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
