"""The feedback page of one graded submission. The one place that turns a stored result
into HTML: switching to another renderer means changing ``render_result``."""

from __future__ import annotations

import html

from ..report import render_html
from ..results import CheckResult, ExerciseResult, GradeResult


def result_from_json(data: dict) -> GradeResult:
    """Rebuild a ``GradeResult`` from its ``to_json`` form."""
    exercises = [ExerciseResult(e["function"], e["score"], e["max_score"],
                                [CheckResult(**c) for c in e["checks"]])
                 for e in data["exercises"]]
    fields = {k: v for k, v in data.items() if k != "exercises"}
    return GradeResult(**fields, exercises=exercises)


def render_result(result: GradeResult) -> str:
    return render_html(result, show_points=True)


def feedback_page(submission: dict) -> str:
    """A whole HTML page: the submission, its score, and the table of checks."""
    title = f"{submission['assignment']}: {submission['filename']}"
    if submission["status"] == "done":
        result = result_from_json(submission["result"])
        body = (f"<p class='score'>Score: <b>{result.score:g} / {result.max_score:g}</b> "
                f"<small>(graded on {html.escape(result.device)})</small></p>"
                + render_result(result))
    elif submission["status"] == "error":
        body = f"<p class='error'>This submission could not be graded: " \
               f"{html.escape(submission['error'] or '')}</p>"
    else:
        body = f"<p>This submission is {submission['status']}; reload in a moment.</p>"
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Feedback: {html.escape(title)}</title>"
            "<link rel='stylesheet' href='/static/style.css'></head><body><main>"
            f"<h1>Feedback</h1><p><code>{html.escape(title)}</code>, submitted by "
            f"{html.escape(submission['student'])}</p>{body}"
            "<p><a href='/'>back</a></p></main></body></html>")
