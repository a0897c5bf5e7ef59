"""``course list``, ``course check`` and ``course grade``: one learner's submissions."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from .. import exercises
from ..submission import SubmissionError, read_submission
from .errors import CommandError


def register(subparsers) -> None:
    p = subparsers.add_parser("list", help="show the assignments, their exercises and points",
                              description="Show each assignment of course.yml with the "
                                          "functions it grades and their points.")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=lambda course, args: list_course(course, args.json))

    for name, text in (
        ("check", "run the public checks of a submission (no references needed)"),
        ("grade", "grade a submission with the public and the hidden checks"),
    ):
        p = subparsers.add_parser(name, help=text, description=text[0].upper() + text[1:] + ". "
                                  "The student's code runs in a separate sandboxed process; "
                                  "the score is decided by the grader.")
        p.add_argument("submissions", type=Path, nargs="+", metavar="SUBMISSION",
                       help="a notebook (.ipynb) or a Python file (.py); give several to "
                            "grade them in turn and end with a summary table")
        p.add_argument("--assignment", "-a", metavar="ID",
                       help="the assignment id (default: from the notebook's metadata; "
                            "required for .py files)")
        p.add_argument("--json", action="store_true",
                       help="print one JSON object with every check's result (a list of "
                            "them for several submissions)")
        p.set_defaults(handler=grade)
    from .instructor import add_location_options

    p.add_argument("--all", action="store_true",
                   help="grade every collected nbgrader submission of the assignment ID "
                        "(given instead of SUBMISSION) into nbgrader's gradebook")
    p.add_argument("--student", action="append", metavar="STUDENT",
                   help="with an assignment ID: (re)grade only this student (repeatable)")
    p.add_argument("--exercise", action="append", metavar="FUNCTION",
                   help="with --all or --student: regrade only this exercise, keeping the "
                        "other scores (repeatable)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="grading processes (default: nbgrader.workers, else one per core)")
    add_location_options(p)


def list_course(course, as_json: bool) -> int:
    if as_json:
        print(json.dumps(course.model_dump(mode="json"), indent=2))
        return 0
    console = Console()
    console.print(f"[bold]{course.title}[/bold]")
    for a in course.assignments:
        console.print(f"\n[bold]{a.id}[/bold]  {a.title}  ({a.max_score:g} points, {a.notebook})")
        for e in a.exercises:
            signature = exercises.spec(a.id).functions[e.function]
            console.print(f"  {e.function}{signature}  {e.points:g} points")
    return 0


def start_sandbox(course, assignment_id: str | None, first: Path) -> None:
    """Start the fork server of the assignment being graded before importing the grader,
    so that its start-up and the grader's imports overlap (on a cold start, each takes
    about a third of a second). A submission or assignment in error is left to the grader
    to report."""
    from ..placement import sandbox_for

    try:
        assignment_id = assignment_id or read_submission(first).assignment
        if assignment_id:
            sandbox_for(course.grading, assignment_id)
    except (SubmissionError, exercises.UnknownAssignment, RuntimeError):
        return


def grade(course, args) -> int:
    if getattr(args, "all", False) or getattr(args, "student", None):
        from .instructor import grade_collected

        return grade_collected(course, args)
    if getattr(args, "exercise", None):
        raise CommandError("--exercise regrades collected submissions: use it with --all or "
                           "--student")
    for path in args.submissions:
        if not path.is_file():
            raise SubmissionError(f"{path}: no such file")
    start_sandbox(course, args.assignment, args.submissions[0])
    from ..grading import Grader
    from ..report import render_summary, render_terminal

    hidden = args.command == "grade"
    grader = Grader(course)
    if args.json:
        results = [grader.grade_file(p, args.assignment, hidden=hidden).to_json()
                   for p in args.submissions]
        print(json.dumps(results[0] if len(results) == 1 else results, indent=2))
        return 0
    console = Console()
    results = []
    for path in args.submissions:
        with console.status(f"grading {path}") as spinner:
            def progress(check, outcome, path=path):
                spinner.update(f"grading {path}: {check.function} / {check.name}")

            result = grader.grade_file(path, args.assignment, hidden=hidden, progress=progress)
        console.rule(str(path))
        render_terminal(result, console, feedback=course.grading.feedback)
        results.append((path, result))
    if len(results) > 1:
        render_summary(results, console)
    return 0

