"""Show results to people: a table per exercise in a terminal, HTML in Jupyter."""

from __future__ import annotations

import html

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .results import CheckResult, GradeResult


def status(check: CheckResult) -> Text:
    return Text("PASS", style="bold green") if check.passed else Text("FAIL", style="bold red")


def check_message(check: CheckResult, feedback: str = "full") -> str:
    if check.passed:
        return ""
    if feedback == "brief":
        return check.message.split("\nInput:")[0]
    return check.message


def render_terminal(result: GradeResult, console: Console, *, feedback: str = "full",
                    show_points: bool = True) -> None:
    """A summary table per exercise, then each failure spelled out, then the total."""
    for exercise in result.exercises:
        title = exercise.function
        if show_points:
            title += f"  {exercise.score:g} / {exercise.max_score:g}"
        table = Table(title=title, title_justify="left", title_style="bold")
        table.add_column("result")
        table.add_column("check")
        table.add_column("kind")
        if show_points:
            table.add_column("points", justify="right")
        for check in exercise.checks:
            row = [status(check), check.name, "hidden" if check.hidden else "public"]
            if show_points:
                row.append(f"{check.points:.2f} / {check.max_points:.2f}")
            table.add_row(*row)
        console.print(table)
        for check in exercise.checks:
            if not check.passed:
                console.print(Panel(Text(check_message(check, feedback)),
                                    title=f"{exercise.function} / {check.name}",
                                    title_align="left", border_style="red"))
    if result.errors:
        console.print(Panel(Group(*[Text(e) for e in result.errors]),
                            title="problems with the submission", border_style="yellow"))
    summary = f"{result.assignment}: {result.score:g} / {result.max_score:g}"
    console.print(Text(summary, style="bold"), Text(f"  (graded on {result.device})",
                                                   style="dim"))


def render_summary(results, console: Console) -> None:
    """One row per graded submission: its score and how many checks it passed."""
    table = Table(title="summary", title_justify="left", title_style="bold")
    for name, justify in (("submission", "left"), ("assignment", "left"),
                          ("checks passed", "right"), ("score", "right")):
        table.add_column(name, justify=justify)
    for path, result in results:
        checks = [c for e in result.exercises for c in e.checks]
        table.add_row(path.name, result.assignment, f"{sum(c.passed for c in checks)} / "
                      f"{len(checks)}", f"{result.score:g} / {result.max_score:g}")
    console.print(table)


def render_html(result: GradeResult, *, show_points: bool = False) -> str:
    """A compact HTML table for Jupyter: one row per check, failures spelled out."""
    rows = []
    for exercise in result.exercises:
        for check in exercise.checks:
            colour = "#1a7f37" if check.passed else "#cf222e"
            mark = "passed" if check.passed else "failed"
            message = html.escape(check_message(check)).replace("\n", "<br>")
            points = f"<td>{check.points:g}/{check.max_points:g}</td>" if show_points else ""
            rows.append(
                f"<tr><td><code>{html.escape(exercise.function)}</code></td>"
                f"<td>{html.escape(check.name)}</td>"
                f"<td style='color:{colour};font-weight:bold'>{mark}</td>{points}"
                f"<td style='text-align:left;font-family:monospace;font-size:90%'>{message}</td>"
                "</tr>")
    passed = sum(c.passed for e in result.exercises for c in e.checks)
    total = sum(len(e.checks) for e in result.exercises)
    errors = "".join(f"<li>{html.escape(e)}</li>" for e in result.errors)
    head = "<th>points</th>" if show_points else ""
    return (f"<div><b>{passed} of {total} public checks passed</b>"
            f"{f'<ul>{errors}</ul>' if errors else ''}"
            "<table><thead><tr><th>function</th><th>check</th><th>result</th>"
            f"{head}<th style='text-align:left'>details</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")
