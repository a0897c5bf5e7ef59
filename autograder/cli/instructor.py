"""The instructor's semester on nbgrader: build, release, collect, grade --all, feedback,
report, and the otter-grader export."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .errors import CommandError

WORKFLOW = """the semester, step by step:
  course build                      # nbgrader source notebooks from assignments/ + solutions/
  course release a1-activations     # nbgrader generate_assignment + release_assignment
  (students: nbgrader fetch_assignment / submit, or JupyterLab's Assignments tab)
  course collect a1-activations     # nbgrader collect
  course grade a1-activations --all # sandboxed grading into nbgrader's gradebook
  course feedback a1-activations --release
  course report a1-activations      # CSV, plots and a summary page
"""


def add_location_options(parser) -> None:
    parser.add_argument("--nbgrader-dir", type=Path, metavar="DIR",
                        help="the nbgrader course folder (default: nbgrader.directory in "
                             "course.yml)")
    parser.add_argument("--exchange", type=Path, metavar="DIR",
                        help="nbgrader's exchange folder (default: nbgrader.exchange)")


def add_command(subparsers, name: str, text: str, handler, *, assignment: str = "one"):
    parser = subparsers.add_parser(name, help=text, description=text[0].upper() + text[1:]
                                   + ".", epilog=WORKFLOW,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    if assignment == "one":
        parser.add_argument("assignment", metavar="ID", help="the assignment id")
    else:
        parser.add_argument("assignments", metavar="ID", nargs="*",
                            help="assignment ids (default: every assignment)")
    add_location_options(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(handler=handler)
    return parser


def register(subparsers) -> None:
    p = add_command(subparsers, "build", "write nbgrader source notebooks (solutions from "
                    "solutions/, one autograded test cell per check)", build, assignment="many")
    p.add_argument("--validate", action="store_true",
                   help="then run `nbgrader validate` on each source notebook")
    add_command(subparsers, "release", "build, then nbgrader generate_assignment and "
                "release_assignment into the exchange", release)
    add_command(subparsers, "collect", "collect the submissions from the exchange "
                "(nbgrader collect)", collect)
    p = add_command(subparsers, "feedback", "write each graded student's HTML feedback "
                    "(scores, failed checks with counterexamples, the notebook)", feedback)
    p.add_argument("--release", action="store_true",
                   help="then deliver it with nbgrader release_feedback")
    p = add_command(subparsers, "report", "write scores.csv, plots and an HTML summary of "
                    "an assignment's grades", report)
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="where to write (default: reports/ID in the nbgrader folder)")
    p = add_command(subparsers, "export-otter", "export an assignment to otter-grader (an "
                    "autograder zip for Gradescope or `otter run`)", export_otter)
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="where to write (default: otter/ID in the nbgrader folder)")


def nbgrader_course(course, args):
    from ..instructor.nbgrader_course import NbgraderCourse

    return NbgraderCourse.of(course, root=args.nbgrader_dir, exchange=args.exchange)


def run_nbgrader(step):
    """Call an nbgrader step; its failure becomes a one-line command error plus its output."""
    from ..instructor.nbgrader_course import NbgraderError

    try:
        return step()
    except NbgraderError as exc:
        raise CommandError(str(exc)) from None


def finish(args, console: Console, summary: dict, text: str) -> int:
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        console.print(text)
    return 0


def build(course, args) -> int:
    nbcourse = nbgrader_course(course, args)
    ids = args.assignments or [a.id for a in course.assignments]
    built = {}
    for assignment_id in ids:
        assignment = course.assignment(assignment_id)
        built[assignment_id] = str(nbcourse.build(course, assignment))
        if args.validate:
            run_nbgrader(lambda a=assignment_id: nbcourse.validate(a))
    lines = "\n".join(f"built {path}" + (" (validated)" if args.validate else "")
                      for path in built.values())
    return finish(args, Console(), {"built": built, "validated": args.validate}, lines)


def release(course, args) -> int:
    nbcourse = nbgrader_course(course, args)
    nbcourse.build(course, course.assignment(args.assignment))
    run_nbgrader(lambda: nbcourse.release(args.assignment))
    target = nbcourse.exchange / nbcourse.course_id / "outbound" / args.assignment
    return finish(args, Console(), {"released": str(target)},
                  f"released {args.assignment} to {target}")


def collect(course, args) -> int:
    nbcourse = nbgrader_course(course, args)
    course.assignment(args.assignment)
    run_nbgrader(lambda: nbcourse.collect(args.assignment))
    students = sorted(nbcourse.submissions(args.assignment))
    return finish(args, Console(), {"collected": students},
                  f"{len(students)} submissions of {args.assignment}: {', '.join(students)}")


def grade_collected(course, args) -> int:
    """``course grade ID --all`` (or ``--student S``): grade into nbgrader's gradebook."""
    from ..instructor import batch, gradebook

    if len(args.submissions) != 1:
        raise CommandError("with --all or --student, give one assignment id")
    assignment_id = str(args.submissions[0])
    assignment = course.assignment(assignment_id)
    nbcourse = nbgrader_course(course, args)
    submissions = nbcourse.submissions(assignment_id, args.student or None)
    missing = set(args.student or []) - set(submissions)
    if missing:
        raise CommandError(f"no collected submission of {assignment_id} from "
                           f"{', '.join(sorted(missing))} (run `course collect` first)")
    if not submissions:
        raise CommandError(f"no collected submissions of {assignment_id} in "
                           f"{nbcourse.root / 'submitted'} (run `course collect` first)")
    try:
        graded_part = batch.only_functions(assignment, args.exercise)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    console = Console(stderr=True)
    recorded = {}
    with Progress(TextColumn("grading {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, disable=args.json) as progress:
        task = progress.add_task(assignment_id, total=len(submissions))

        def on_done(student, result):
            recorded[student] = gradebook.record(nbcourse, assignment, student,
                                                 submissions[student], result, args.exercise)
            progress.update(task, advance=1, description=f"{assignment_id} (last: {student}, "
                            f"{recorded[student]['score']:g}/{recorded[student]['max_score']:g})")

        batch.grade_all(course, graded_part, submissions, workers=args.workers, on_done=on_done)
    summary = {s: {"score": r["score"], "max_score": r["max_score"]}
               for s, r in sorted(recorded.items())}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    out = Console()
    for student, score in summary.items():
        out.print(f"{student:20} {score['score']:g} / {score['max_score']:g}")
    out.print(f"recorded in the gradebook {nbcourse.db_url}")
    return 0


def graded_results(course, args):
    """(assignment, nbgrader course, each graded student's result), or a command error."""
    from ..instructor import gradebook

    assignment = course.assignment(args.assignment)
    nbcourse = nbgrader_course(course, args)
    results = gradebook.load_results(nbcourse, assignment.id)
    if not results:
        raise CommandError(f"no graded submissions of {assignment.id} (run `course grade "
                           f"{assignment.id} --all` first)")
    return assignment, nbcourse, results


def feedback(course, args) -> int:
    from ..instructor.feedback import render_feedback
    from ..instructor.gradebook import copy_nbgrader_files

    assignment, nbcourse, results = graded_results(course, args)
    written = {}
    for student, result in results.items():
        graded = nbcourse.folder("autograded", assignment.id, student)
        folder = nbcourse.folder("feedback", assignment.id, student)
        folder.mkdir(parents=True, exist_ok=True)
        notebook_id = nbcourse.notebook_name(assignment.id)
        page = folder / f"{notebook_id}.html"
        page.write_text(render_feedback(result, graded / f"{notebook_id}.ipynb",
                                        student=student, title=assignment.title))
        copy_nbgrader_files(graded, folder)
        written[student] = str(page)
    if args.release:
        run_nbgrader(lambda: nbcourse.release_feedback(assignment.id))
    text = "\n".join(f"wrote {p}" for p in written.values())
    if args.release:
        text += "\nreleased with nbgrader release_feedback"
    return finish(args, Console(), {"feedback": written, "released": args.release}, text)


def report(course, args) -> int:
    from ..instructor.reports import write_report

    assignment, nbcourse, results = graded_results(course, args)
    out = args.out or nbcourse.root / "reports" / assignment.id
    files = write_report(results, assignment, out)
    summary = {k: str(v) for k, v in vars(files).items()}
    return finish(args, Console(), summary, "\n".join(f"wrote {p}" for p in summary.values()))


def export_otter(course, args) -> int:
    from ..instructor.otter import export_otter as export

    assignment = course.assignment(args.assignment)
    out = args.out or nbgrader_course(course, args).root / "otter" / assignment.id
    path = export(course, assignment, out)
    return finish(args, Console(), {"otter": str(path)}, f"wrote {path}")
