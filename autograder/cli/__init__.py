"""The ``course`` command. Each module of this package adds one group of subcommands.

A module exposes ``register(subparsers)``, which adds its subcommands and sets
``handler(course, args) -> int`` as their default; ``main`` loads ``course.yml`` and calls it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import exercises
from ..config import CourseConfigError, load_course
from ..submission import SubmissionError
from . import grading, instructor, lectures, server
from .errors import CommandError

COMMAND_GROUPS = [grading, instructor, lectures, server]

EPILOG = """examples:
  course list
  course check my-a1.ipynb
  course grade solution.py --assignment a2-optimization --json
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course",
        description="Deep-learning course tools: run the public checks of a submission, "
                    "grade it against the hidden references, list the course.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", type=Path, metavar="PATH",
                        help="the course file (default: $COURSE_YML, else the nearest "
                             "course.yml upwards from here, else the packaged course)")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        course = load_course(args.course)
        return args.handler(course, args)
    except (CourseConfigError, SubmissionError, exercises.UnknownAssignment,
            CommandError) as exc:
        print(f"course: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
