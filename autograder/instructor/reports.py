"""An assignment's grades as an instructor reads them to decide what to re-teach: a CSV of
scores (student x exercise), the score distribution per exercise, the checks that most
students failed, and a summary page that shows them together.

Plots use matplotlib's Figure API with the Agg canvas: no pyplot, no window, no global state.
"""

from __future__ import annotations

import csv
import html
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..config import AssignmentConfig

TOP_FAILING = 15


@dataclass
class ReportFiles:
    scores_csv: Path
    score_distribution: Path
    failing_checks: Path
    index: Path


@dataclass(frozen=True)
class FailingCheck:
    function: str
    check: str
    hidden: bool
    rule: str
    students: int

    @property
    def label(self) -> str:
        return f"{self.function} / {self.check}"


def write_report(results: dict[str, dict], assignment: AssignmentConfig,
                 out_dir: Path) -> ReportFiles:
    """Write scores.csv, score_distribution.png, failing_checks.png and index.html."""
    if not results:
        raise ValueError(f"no graded submissions of {assignment.id} to report on")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = score_table(results, assignment)
    failing = failing_checks(results)
    files = ReportFiles(out_dir / "scores.csv", out_dir / "score_distribution.png",
                        out_dir / "failing_checks.png", out_dir / "index.html")
    write_csv(table, assignment, files.scores_csv)
    plot_distribution(table, assignment, files.score_distribution)
    plot_failing(failing[:TOP_FAILING], len(results), files.failing_checks)
    files.index.write_text(summary_page(table, failing[:TOP_FAILING], assignment, files),
                           encoding="utf-8")
    return files


def score_table(results: dict[str, dict], assignment: AssignmentConfig
                ) -> dict[str, dict[str, float | None]]:
    """Student -> function -> score (None where the result has no such exercise), plus
    ``total``, with the students sorted."""
    table = {}
    for student in sorted(results):
        result = results[student]
        scores = {e.get("function"): e.get("score") for e in result.get("exercises", [])}
        row = {e.function: scores.get(e.function) for e in assignment.exercises}
        row["total"] = result.get("score")
        table[student] = row
    return table


def failing_checks(results: dict[str, dict]) -> list[FailingCheck]:
    """Every check that some student failed, with how many did, most frequent first."""
    counts: Counter[tuple[str, str]] = Counter()
    about: dict[tuple[str, str], tuple[bool, str]] = {}
    for result in results.values():
        for exercise in result.get("exercises", []):
            for check in exercise.get("checks", []):
                key = (exercise.get("function", "?"), check.get("name", "?"))
                if not check.get("passed"):
                    counts[key] += 1
                if key not in about or not about[key][1]:
                    about[key] = (bool(check.get("hidden")), check.get("rule") or "")
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [FailingCheck(f, c, *about[(f, c)], n) for (f, c), n in ranked]


def write_csv(table: dict, assignment: AssignmentConfig, path: Path) -> None:
    columns = [e.function for e in assignment.exercises] + ["total"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["student", *columns])
        for student, row in table.items():
            writer.writerow([student, *(number(row[c]) for c in columns)])


def plot_distribution(table: dict, assignment: AssignmentConfig, path: Path) -> None:
    """Per exercise and for the total: how many students got each score, from 0 to the
    maximum (scores are sums of check points, so a bar per score shows them exactly)."""
    panels = [(e.function, e.points) for e in assignment.exercises]
    panels.append(("total", assignment.max_score))
    columns = min(len(panels), 3)
    rows = -(-len(panels) // columns)
    figure = new_figure(4.2 * columns, 3.2 * rows)
    for number, (name, maximum) in enumerate(panels, start=1):
        axes = figure.add_subplot(rows, columns, number)
        counts = Counter(round(row[name], 6) for row in table.values() if row[name] is not None)
        axes.bar(list(counts), list(counts.values()), width=maximum / 40, color="#4c72b0")
        axes.axvline(maximum, color="#cf222e", linestyle="--", linewidth=1.5, zorder=0.5,
                     label=f"max {maximum:g}")
        axes.legend(loc="upper left", fontsize=8, frameon=False)
        axes.set_xlim(-maximum * 0.04, maximum * 1.04)
        axes.set_ylim(0, max(counts.values(), default=1) * 1.25)
        axes.set_title(name, fontsize=11)
        axes.set_xlabel("points")
        axes.set_ylabel("students")
        axes.yaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(f"{assignment.id}: score distribution ({len(table)} students)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def plot_failing(failing: list[FailingCheck], students: int, path: Path) -> None:
    """Horizontal bars: how many students failed each check, the most frequent on top."""
    figure = new_figure(9, 1.2 + 0.4 * max(len(failing), 2))
    axes = figure.add_subplot()
    if failing:
        labels = [f"{c.label}{' (hidden)' if c.hidden else ''}" for c in reversed(failing)]
        counts = [c.students for c in reversed(failing)]
        bars = axes.barh(labels, counts, color="#cf222e")
        axes.bar_label(bars, labels=[f"{n} of {students}" for n in counts], padding=3)
        axes.set_xlim(0, students * 1.15)
    else:
        axes.text(0.5, 0.5, "every student passed every check", ha="center", va="center",
                  transform=axes.transAxes)
        axes.set_yticks([])
    axes.set_xlabel("students who failed the check")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_title(f"most frequent failing checks (top {TOP_FAILING})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def summary_page(table: dict, failing: list[FailingCheck], assignment: AssignmentConfig,
                 files: ReportFiles) -> str:
    stats = []
    for name, maximum in [*((e.function, e.points) for e in assignment.exercises),
                          ("total", assignment.max_score)]:
        scores = [row[name] for row in table.values() if row[name] is not None]
        full = sum(s >= maximum - 1e-9 for s in scores)
        stats.append(f"<tr><td><code>{esc(name)}</code></td><td>{maximum:g}</td>"
                     f"<td>{number(round(statistics.mean(scores), 2)) if scores else ''}</td>"
                     f"<td>{number(statistics.median(scores)) if scores else ''}</td>"
                     f"<td>{full} of {len(scores)}</td></tr>")
    rows = "".join(
        f"<tr><td>{c.students} of {len(table)}</td><td><code>{esc(c.label)}</code></td>"
        f"<td>{'hidden' if c.hidden else 'public'}</td><td>{esc(c.rule)}</td></tr>"
        for c in failing) or "<tr><td colspan='4'>every student passed every check</td></tr>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(assignment.title)}: report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto;
       padding: 0 1rem; color: #1f2328; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; }}
th, td {{ border: 1px solid #d1d9e0; padding: .3rem .7rem; text-align: left;
         vertical-align: top; }}
img {{ max-width: 100%; border: 1px solid #d1d9e0; }}
</style></head><body>
<h1>{esc(assignment.title)} <small>({esc(assignment.id)})</small></h1>
<p><b>{len(table)}</b> students graded. Scores per student: <a href="{files.scores_csv.name}">
{files.scores_csv.name}</a>.</p>
<h2>Scores per exercise</h2>
<table><thead><tr><th>exercise</th><th>max</th><th>mean</th><th>median</th>
<th>full marks</th></tr></thead><tbody>{''.join(stats)}</tbody></table>
<img src="{files.score_distribution.name}" alt="score distribution per exercise">
<h2>Most frequent failing checks</h2>
<img src="{files.failing_checks.name}" alt="the checks most students failed">
<table><thead><tr><th>students</th><th>check</th><th>kind</th><th>rule</th></tr></thead>
<tbody>{rows}</tbody></table>
</body></html>
"""


def number(value) -> str:
    """A score as the CSV and the page show it: 3.5, 10, or empty where there is none."""
    return "" if value is None else f"{round(value, 6):g}"


def esc(value) -> str:
    return html.escape(str(value), quote=True)
