"""One student's feedback as a single HTML page: the scores, every failed check spelled out
(message, input, expected and received values), then the graded notebook itself.

The page is read offline and may be opened by the instructor too, so it loads nothing from
outside (a Content-Security-Policy forbids it), escapes everything it is given, and shows the
notebook in a sandboxed frame where the student's own HTML outputs can neither run scripts
nor restyle the report.
"""

from __future__ import annotations

import html
from pathlib import Path

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { margin-bottom: .2rem; } .subtitle { color: #59636e; margin-top: 0; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d1d9e0; padding: .3rem .7rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.total { font-size: 1.4rem; font-weight: 600; }
.exercise { border-top: 2px solid #d1d9e0; margin-top: 1.5rem; }
.failed { border-left: 4px solid #cf222e; background: #fff5f5; padding: .4rem .8rem;
          margin: .8rem 0; }
.failed h3 { margin: .2rem 0; font-size: 1rem; color: #cf222e; }
.passed { color: #1a7f37; }
.kind { font-size: .8rem; color: #59636e; border: 1px solid #d1d9e0; border-radius: 1rem;
        padding: 0 .4rem; font-weight: normal; }
pre { background: #f6f8fa; border: 1px solid #d1d9e0; padding: .5rem; overflow-x: auto;
      white-space: pre-wrap; word-break: break-word; margin: .2rem 0 .6rem; }
dt { font-weight: 600; margin-top: .3rem; }
dd { margin-left: 0; }
.errors { border-left: 4px solid #9a6700; background: #fff8c5; padding: .4rem .8rem; }
.note { color: #59636e; font-style: italic; }
iframe { width: 100%; height: 85vh; border: 1px solid #d1d9e0; resize: vertical; }
"""

NOTEBOOK_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1rem; color: #1f2328; }
.cell { margin: .6rem 0; } .prompt { display: none; }
.input_area, .output_area pre, .output_subarea pre { background: #f6f8fa;
  border: 1px solid #d1d9e0; padding: .4rem; overflow-x: auto; }
.output_area pre, .output_subarea pre { background: #fff; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
.output_stderr pre, .output_error pre { background: #fff5f5; }
img { max-width: 100%; } .anchor-link { display: none; }
"""


def render_feedback(result: dict, notebook: Path | None, *, student: str, title: str) -> str:
    """The feedback page for one student's graded submission (``GradeResult.to_json()``)."""
    head = (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
            f"<title>{esc(title)}: feedback for {esc(student)}</title>"
            f"<style>{STYLE}</style></head><body>")
    parts = [head, f"<h1>{esc(title)}</h1>",
             f"<p class='subtitle'>Feedback for <b>{esc(student)}</b> "
             f"({esc(result.get('assignment', ''))})</p>",
             f"<p class='total'>Score: {points(result.get('score'))} / "
             f"{points(result.get('max_score'))}</p>",
             summary_table(result.get("exercises", [])),
             errors_section(result.get("errors", [])),
             *(exercise_section(e) for e in result.get("exercises", [])),
             f"<p class='note'>Graded on {esc(result.get('device', 'unknown device'))}"
             f"{sandbox_note(result.get('sandbox', []))}.</p>",
             "<h2>Your notebook</h2>", notebook_section(notebook), "</body></html>"]
    return "\n".join(p for p in parts if p)


def summary_table(exercises: list[dict]) -> str:
    rows = "".join(
        f"<tr><td><code>{esc(e.get('function'))}</code></td>"
        f"<td class='num'>{points(e.get('score'))} / {points(e.get('max_score'))}</td>"
        f"<td class='num'>{sum(bool(c.get('passed')) for c in e.get('checks', []))} of "
        f"{len(e.get('checks', []))}</td></tr>" for e in exercises)
    return ("<table><thead><tr><th>exercise</th><th>score</th><th>checks passed</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")


def errors_section(errors: list[str]) -> str:
    if not errors:
        return ""
    items = "".join(f"<pre>{esc(e)}</pre>" for e in errors)
    return f"<div class='errors'><b>Problems with the submission</b>{items}</div>"


def exercise_section(exercise: dict) -> str:
    checks = exercise.get("checks", [])
    failed = [check_block(c) for c in checks if not c.get("passed")]
    passed = [f"{esc(c.get('name'))} ({points(c.get('points'))})"
              for c in checks if c.get("passed")]
    passed_line = (f"<p class='passed'>Passed: {', '.join(passed)}</p>" if passed else
                   "<p class='note'>No check passed.</p>")
    return (f"<section class='exercise'><h2><code>{esc(exercise.get('function'))}</code>: "
            f"{points(exercise.get('score'))} / {points(exercise.get('max_score'))}</h2>"
            f"{''.join(failed)}{passed_line}</section>")


def check_block(check: dict) -> str:
    """A failed check: the rule, what went wrong, and the values that show it."""
    kind = "hidden check" if check.get("hidden") else "public check"
    rule = f"<p><b>Rule:</b> {esc(check.get('rule'))}</p>" if check.get("rule") else ""
    details = [("What went wrong", explanation(check)), ("Input", check.get("counterexample")),
               ("Expected", check.get("expected")), ("Received", check.get("received"))]
    fields = "".join(f"<dt>{name}</dt><dd><pre>{esc(value)}</pre></dd>"
                     for name, value in details if value)
    return (f"<div class='failed'><h3>FAILED {esc(check.get('name'))} "
            f"<span class='kind'>{kind}</span> "
            f"<span class='kind'>0 / {points(check.get('max_points'))} points</span></h3>"
            f"{rule}<dl>{fields}</dl></div>")


def explanation(check: dict) -> str:
    """The message without what the rule, input, expected and received fields show apart."""
    message = str(check.get("message") or "")
    if check.get("counterexample"):
        message = message.split("\nInput:")[0]
    lines = message.splitlines()
    if check.get("rule") and lines and lines[0].startswith("Rule:"):
        lines = lines[1:]
    return "\n".join(lines).strip()


def sandbox_note(layers: list[str]) -> str:
    return f", isolated by: {esc(', '.join(layers))}" if layers else ""


def notebook_section(notebook: Path | None) -> str:
    """The notebook rendered by nbconvert inside a sandboxed frame, or why it is not shown."""
    if notebook is None:
        return "<p class='note'>No notebook was submitted with this result.</p>"
    try:
        body = notebook_html(Path(notebook))
    except Exception as exc:  # any unreadable or odd notebook must leave the feedback whole
        return (f"<p class='note'>The notebook {esc(Path(notebook).name)} could not be shown: "
                f"{esc(type(exc).__name__)}: {esc(exc)}</p>")
    document = (f"<!DOCTYPE html><html><head><meta charset='utf-8'>"
                f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
                f"<style>{NOTEBOOK_STYLE}{pygments_style()}</style></head>"
                f"<body>{body}</body></html>")
    return (f"<iframe sandbox title='the graded notebook' "
            f"srcdoc=\"{html.escape(document, quote=True)}\"></iframe>")


def notebook_html(path: Path) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    exporter = HTMLExporter(template_name="basic")
    body, _ = exporter.from_notebook_node(nb)
    return body


def pygments_style() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")


def points(value) -> str:
    return f"{value:g}" if isinstance(value, int | float) else "?"


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)
