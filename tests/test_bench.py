"""The benchmark harness (``make bench``) on its smallest size: planted mutants are
deterministic and change the reference, and one run grades two a1 submissions and writes
a well-formed JSON, a markdown table and both plots."""

import ast
import json
import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT))  # bench/ is a folder of the repository, not an installed package
from bench.mutants import mutants
from bench.notebooks import definitions
from bench.stats import merged_runs
from bench.submissions import reference_source, submission_set


def test_mutants_are_deterministic_distinct_and_change_one_function():
    source = reference_source("a3-detection")
    first, again = mutants(source, 8, seed=1), mutants(source, 8, seed=1)
    assert [m.source for m in first] == [m.source for m in again]
    assert len({m.source for m in first}) == 8
    original = definitions(ast.unparse(ast.parse(source)))
    for mutant in first:
        changed = [name for name, code in definitions(mutant.source).items()
                   if code != original[name]]
        assert changed == [mutant.function], mutant.name


def test_submission_set_has_the_reference_first_and_every_kind():
    subs = submission_set("a2-optimization", correct=3, bugs=2, mutated=4, seed=0)
    assert subs[0].name == "reference"
    assert [s.kind for s in subs].count("correct") == 3
    assert [s.kind for s in subs].count("bug") == 2
    assert [s.kind for s in subs].count("mutant") == 4
    assert len({s.name for s in subs}) == len(subs)


@pytest.mark.slow
def test_smoke_run_writes_json_markdown_and_plots(tmp_path):
    run = subprocess.run([sys.executable, "-m", "bench.run", "--size", "smoke", "--out",
                          str(tmp_path / "results"), "--work", str(tmp_path / "work")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(next((tmp_path / "results").glob("*.json")).read_text())
    assert results["errors"] == []
    assert {s["kind"] for s in results["submissions"]["a1-activations"]} == {"correct", "mutant"}
    graded = results["latency"]["workers_1"]["a1-activations"]["runs"]
    assert graded[0]["name"] == "reference" and len(graded) == 2
    assert graded[0]["score"] == graded[0]["max_score"] == 10.0
    assert results["hidden_cases"]["ours"]["sigmoid"]["examples"] > 0
    assert results["cold_grade"]["a1-activations"]["runs_s"]
    markdown = next((tmp_path / "results").glob("*.md")).read_text()
    assert "| target | measured | ratio | holds |" in markdown
    assert all(f"| {t['target']} |" in markdown for t in results["targets"])
    for suffix in ("-latency.png", "-throughput.png"):
        png = next((tmp_path / "results").glob(f"*{suffix}"))
        assert png.read_bytes().startswith(b"\x89PNG")


def test_repeated_runs_merge_into_their_means():
    runs = [{"wall_s": 2.0, "submissions": 4, "startup_s": None, "scores": {"a": 1},
             "per_submission_s": {"a": 1.0, "b": 3.0}},
            {"wall_s": 4.0, "submissions": 4, "startup_s": None, "scores": {"a": 1},
             "per_submission_s": {"a": 2.0, "b": 5.0}}]
    assert merged_runs(runs) == {"wall_s": 3.0, "submissions": 4, "startup_s": None,
                                 "scores": {"a": 1}, "per_submission_s": {"a": 1.5, "b": 4.0},
                                 "runs_wall_s": [2.0, 4.0]}
