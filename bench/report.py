"""The issue's targets checked against one run's numbers, and the run written out: JSON, a
markdown table and two plots."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median

A1 = "a1-activations"


def ratio(a, b):
    """a / b, or None where either is missing."""
    return a / b if a is not None and b else None


def targets(results: dict) -> list[dict]:
    """Each target of the issue: what was measured, the ratio or value, and whether it holds
    (None where a number is missing; the reason is in results["errors"])."""
    ours_batch = results["throughput"].get("workers_1", {})
    ours_per_sub = ratio(ours_batch.get("wall_s"), ours_batch.get("submissions"))
    nb = results["nbgrader"].get("batch", {})
    nb_per_sub = ratio(nb.get("wall_s"), len(nb.get("per_submission_s", {})) or None)
    speed = ratio(nb_per_sub, ours_per_sub)
    cases = results["hidden_cases"]
    case_ratios = [ratio(ours["examples"], cases["nbgrader"].get(f))
                   for f, ours in cases["ours"].items()]
    case_ratio = min((r for r in case_ratios if r is not None), default=None)
    cold = results["cold_grade"].get(A1, {}).get("median_s")
    first = results["cold_grade"].get(A1, {}).get("first_s")
    overheads = [p["overhead_s"] for p in results["overhead"].get(A1, {}).values()
                 if p.get("overhead_s") is not None]
    overhead = sorted(overheads)[len(overheads) // 2] if overheads else None
    one, every = (results["throughput"].get(k, {}).get("per_second")
                  for k in ("workers_1", "workers_all"))
    scaling = ratio(every, one)
    return [
        {"target": "a1 batch: >= 10x faster per submission than nbgrader's batch autograde",
         "measured": f"nbgrader {_s(nb_per_sub)} / ours {_s(ours_per_sub)} per submission "
                     "(wall / submissions, one process each; each the mean of two runs, "
                     "interleaved)",
         "ratio": speed, "holds": None if speed is None else speed >= 10},
        {"target": "a1 batch: >= 10x more hidden cases than nbgrader",
         "measured": "our hidden property examples per function / nbgrader hidden test cells "
                     "per function (lowest function); each nbgrader cell runs one of our "
                     "checks, with the same examples, in its kernel",
         "ratio": case_ratio, "holds": None if case_ratio is None else case_ratio >= 10},
        {"target": "cold `course grade` of one a1 submission: < 1 s",
         "measured": f"median {_s(cold)} with the inputs an earlier run recorded; the very "
                     f"first run on a machine (hypothesis draws every input): {_s(first)}",
         "ratio": ratio(cold, 1.0),
         "holds": None if cold is None else cold < 1.0},
        {"target": "sandbox overhead per submission, warm: < 100 ms",
         "measured": f"median over a1's correct submissions: {_ms(overhead)}",
         "ratio": ratio(overhead, 0.1), "holds": None if overhead is None else overhead < 0.1},
        {"target": f"throughput with all cores ({results['machine']['cpus']}): >= 1.8x one "
                   "worker",
         "measured": f"{_rate(every)} vs {_rate(one)}", "ratio": scaling,
         "holds": None if scaling is None else scaling >= 1.8},
    ]


def _s(value):
    return "n/a" if value is None else f"{value:.3f} s"


def _ms(value):
    return "n/a" if value is None else f"{value * 1000:.0f} ms"


def _rate(value):
    return "n/a" if value is None else f"{value:.2f}/s"


def _holds(value):
    return {True: "yes", False: "**no**", None: "not measured"}[value]


def markdown(results: dict) -> str:
    machine = results["machine"]
    gpu = (f"CUDA device: {machine['cuda_device']}" if machine["cuda_available"] else
           "no CUDA device (`torch.cuda.is_available()` is False): the torch assignments ran "
           "on the emulated grading device, the code path of a GPU grader; no GPU numbers")
    lines = [f"# Benchmark {results['date']} ({results['size']})", "",
             f"{machine['cpus']} cores, load average before the run {machine['load_before']}, "
             f"1-minute load during it {machine.get('load_during') or 'not sampled'}, "
             f"Python {machine['python']}, torch {machine['torch']}; {gpu}. The run took "
             f"{results['run_s']:.0f} s.", ""]
    for section in (_targets_table, _assignments_table, _throughput_table, _tools_table,
                    _submissions_table, _overhead_table, _notes):
        lines += [*section(results), ""]
    return "\n".join(lines)


def _targets_table(results: dict) -> list[str]:
    lines = ["| target | measured | ratio | holds |", "| --- | --- | --- | --- |"]
    for t in results["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {_fmt(t['ratio'])} | "
                     f"{_holds(t['holds'])} |")
    return lines


def _assignments_table(results: dict) -> list[str]:
    lines = ["| assignment | submissions | cold `course grade` (median; first ever) | warm "
             "latency, 1 worker "
             "(median / p95) | warm latency, all workers (median / p95) | peak RSS of a "
             "student worker | device |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for aid, subs in results["submissions"].items():
        cold = results["cold_grade"].get(aid, {})
        one, every = (results["latency"][k].get(aid, {}) for k in ("workers_1", "workers_all"))
        devices = sorted({r["device"] for r in one.get("runs", [])}) or ["n/a"]
        worker = max((r["worker_hwm_mb"] for r in one.get("runs", []) if r["worker_hwm_mb"]),
                     default=None)
        lines.append(f"| {aid} | {len(subs)} | {_s(cold.get('median_s'))}; "
                     f"{_s(cold.get('first_s'))} | "
                     f"{_pair(one.get('summary', {}))} | {_pair(every.get('summary', {}))} | "
                     f"{_mb(worker)} | {', '.join(devices)} |")
    return lines


def _pair(stats: dict) -> str:
    return f"{_s(stats.get('median'))} / {_s(stats.get('p95'))}"


def _throughput_table(results: dict) -> list[str]:
    lines = ["| a1 batch | submissions | wall (mean; each run) | per second | steady per second |",
             "| --- | --- | --- | --- | --- |"]
    for key, label in (("workers_1", "`grade_all`, 1 worker"),
                       ("workers_all", "`grade_all`, one worker per core"),
                       ("course_grade_all", "`course grade ID --all` (gradebook included)")):
        row = results["throughput"].get(key)
        if row:
            per_second = ratio(row["submissions"], row["wall_s"])
            runs = "; ".join(_s(w) for w in row.get("runs_wall_s", []))
            wall = f"{_s(row['wall_s'])}" + (f" ({runs})" if runs else "")
            lines.append(f"| {label} | {row['submissions']} | {wall} | "
                         f"{_rate(per_second)} | {_rate(row.get('steady_per_second'))} |")
    return lines


def _tools_table(results: dict) -> list[str]:
    lines = ["| a1-activations, per submission | seconds (median) | ratio to ours |",
             "| --- | --- | --- |"]
    ours = results["latency"]["workers_1"].get(A1, {}).get("summary", {}).get("median")
    nbgrader, otter = results["nbgrader"], results["otter"]
    for label, value in (
            ("ours, warm, 1 worker", ours),
            ("nbgrader autograde, batch", nbgrader.get("batch_summary", {}).get("median")),
            ("nbgrader autograde, one run per student",
             nbgrader.get("per_student_summary", {}).get("median")),
            ("otter run", otter.get("summary", {}).get("median"))):
        lines.append(f"| {label} | {_s(value)} | {_fmt(ratio(value, ours))} |")
    return lines


def _submissions_table(results: dict) -> list[str]:
    lines = ["| a1 submission | kind | ours (s) | nbgrader (s) | ratio | otter (s) | ratio | "
             "score: ours / nbgrader / otter |", "| --- | --- | --- | --- | --- | --- | --- | "
             "--- |"]
    kinds = {s["name"]: s["kind"] for s in results["submissions"].get(A1, [])}
    for name, row in results.get("per_submission_a1", {}).items():
        scores = " / ".join("n/a" if v is None else f"{v:g}" for v in (
            row["ours_score"], row["nbgrader_score"], row["otter_score"]))
        lines.append(f"| {name} | {kinds.get(name)} | {_num(row['ours_s'])} | "
                     f"{_num(row['nbgrader_s'])} | {_fmt(row['nbgrader_ratio'])} | "
                     f"{_num(row['otter_s'])} | {_fmt(row['otter_ratio'])} | {scores} |")
    return lines


def _overhead_table(results: dict) -> list[str]:
    lines = ["| sandbox overhead | submission | sandboxed (median) | in-process (median) | "
             "overhead |", "| --- | --- | --- | --- | --- |"]
    for aid, pairs in results["overhead"].items():
        for name, p in pairs.items():
            extra = _ms(p["overhead_s"]) if p["same_score"] else \
                f"not compared: the scores differ ({p.get('scores')})"
            lines.append(f"| {aid} | {name} | {_num(median(p['sandboxed_s']))} s | "
                         f"{_num(median(p['in_process_s']))} s | {extra} |")
    return lines


def _notes(results: dict) -> list[str]:
    memory, cases = results["memory"], results["hidden_cases"]
    servers = ", ".join(f"{k} {_mb(v)}" for k, v in memory.get("fork_servers_mb", {}).items())
    lines = [f"Peak memory (VmHWM): a warm grading process {_mb(memory.get('grader_mb'))}; "
             f"its fork servers: {servers or 'n/a'}; a cold `course grade` process and its "
             f"children (ru_maxrss) {_mb(memory.get('cold_process_mb'))}.", "",
             "Hidden cases per a1 function (the reference submission): " + "; ".join(
                 f"{f}: ours {c['checks']} checks, {c['examples']} property examples, "
                 f"{c['calls']} calls; nbgrader {cases['nbgrader'].get(f, 'n/a')} hidden "
                 f"test cells; otter {cases['otter'].get(f, 'n/a')} hidden test cases"
                 for f, c in cases["ours"].items()) + "."]
    if results["skipped"]:
        lines += ["", "Left out at this size: " + ", ".join(results["skipped"]) + "."]
    if results["errors"]:
        lines += ["", "Not measured:", *(f"- {e}" for e in results["errors"])]
    return lines


def _num(value):
    return "n/a" if value is None else f"{value:.3f}"


def _fmt(value):
    return "n/a" if value is None else f"{value:.2f}"


def _mb(value):
    return "n/a" if value is None else f"{value:.0f} MB"


def plots(results: dict, latency_png: Path, throughput_png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, (ax, by_assignment) = plt.subplots(1, 2, figsize=(13, 4.8),
                                            gridspec_kw={"width_ratios": [1, 1.3]})
    series = {"ours\n(warm, 1 worker)": [r["seconds"] for r in results["latency"]["workers_1"]
                                        .get(A1, {}).get("runs", [])],
              "nbgrader autograde\n(batch)": list(results["nbgrader"].get("batch", {})
                                                 .get("per_submission_s", {}).values()),
              "otter run": [r["seconds"] for r in results["otter"].get("runs", {}).values()]}
    series = {k: v for k, v in series.items() if v}
    ax.boxplot(list(series.values()), tick_labels=list(series), showfliers=True)
    ax.set_yscale("log")
    ax.set_ylabel("seconds per submission (log)")
    ax.set_title(f"a1-activations, the same submissions ({results['date']})")
    _latency_by_assignment(results, by_assignment)
    fig.tight_layout()
    fig.savefig(latency_png, dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    bars = {f"ours, {v['workers']} worker(s)": v["per_second"]
            for v in results["throughput"].values() if "per_second" in v}
    nb = results["nbgrader"].get("batch", {})
    if nb.get("per_submission_s"):
        bars["nbgrader autograde"] = len(nb["per_submission_s"]) / nb["wall_s"]
    ax.bar(list(bars), list(bars.values()), color="#4878a8")
    ax.set_ylabel("a1 submissions per second")
    ax.set_title(f"batch throughput, {results['machine']['cpus']} cores")
    fig.tight_layout()
    fig.savefig(throughput_png, dpi=110)
    plt.close(fig)


def _latency_by_assignment(results: dict, ax) -> None:
    """Warm median latency per assignment, 1 worker beside all workers, p95 as a whisker."""
    ids = list(results["submissions"])
    width = 0.38
    for offset, key in ((-width / 2, "workers_1"), (width / 2, "workers_all")):
        stats = [results["latency"][key].get(a, {}).get("summary", {}) for a in ids]
        medians = [s.get("median", 0) for s in stats]
        over = [s.get("p95", 0) - s.get("median", 0) for s in stats]
        workers = next((v["workers"] for v in results["latency"][key].values()), "?")
        ax.bar([i + offset for i in range(len(ids))], medians, width, yerr=[[0] * len(ids), over],
               capsize=3, label=f"{workers} worker(s): median, p95")
    ax.set_xticks(range(len(ids)), [a.split("-")[0] for a in ids])
    ax.set_ylabel("seconds per submission (warm)")
    ax.set_title("our grader, per assignment")
    ax.legend()


def write(results: dict, folder: Path, stem: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / f"{stem}.json", "markdown": folder / f"{stem}.md",
             "latency": folder / f"{stem}-latency.png",
             "throughput": folder / f"{stem}-throughput.png"}
    results["targets"] = targets(results)
    paths["json"].write_text(json.dumps(results, indent=1, default=str))
    paths["markdown"].write_text(markdown(results))
    plots(results, paths["latency"], paths["throughput"])
    return paths
