"""``course serve``, ``course worker`` and ``course tokens``: the grading server."""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
from pathlib import Path

from ..config import find_course_file

SERVE_EPILOG = """examples:
  course tokens roster.csv --data grader-data > tokens.csv   # one token per student
  course tokens --instructor alice --data grader-data
  course serve --data grader-data --port 8000 --workers 4     # then open http://HOST:8000/
  course serve --data grader-data --queue redis://redis:6379/0  # grade on Celery workers
"""

WORKER_EPILOG = """examples:
  course worker --queue redis://redis-host:6379/0     # a Celery worker (one per GPU node)
  course worker --data grader-data                     # one more local worker
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve", help="run the grading server (HTTP API, web pages, queue, workers)",
        description="Run the grading server: students upload submissions over HTTP and see "
                    "their score and feedback; instructors see every submission. Everything "
                    "is kept in SQLite under --data; local worker processes grade the queue "
                    "unless --queue sends the jobs to Celery workers.",
        epilog=SERVE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_argument(p)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1; 0.0.0.0 for every one)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--workers", type=int, default=2, metavar="N",
                   help="local worker processes grading the queue (default: 2; 0 when only "
                        "separate 'course worker --data DIR' processes grade)")
    p.add_argument("--queue", metavar="URL",
                   help="a Redis URL (redis://HOST:PORT/DB): grade on Celery workers started "
                        "with 'course worker --queue URL' instead of local workers")
    p.add_argument("--max-upload-mb", type=float, default=5.0, metavar="MB",
                   help="largest upload accepted (default: 5)")
    p.add_argument("--rate-limit", default="20/60", metavar="N/SECONDS",
                   help="uploads a student may make in a window (default: 20/60)")
    add_worker_tuning(p)
    p.set_defaults(handler=serve)

    p = subparsers.add_parser(
        "worker", help="run a grading worker (Celery, or one more local worker)",
        description="Grade submissions queued by 'course serve'. With --queue it is a Celery "
                    "worker taking jobs from Redis (run one per machine or GPU); with --data "
                    "it takes jobs from the server's store on this machine.",
        epilog=WORKER_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--queue", metavar="URL", help="the Redis URL the server was given")
    source.add_argument("--data", type=Path, metavar="DIR",
                        help="the server's data directory (local worker)")
    p.add_argument("--concurrency", type=int, default=1, metavar="N",
                   help="Celery worker processes (default: 1; one per GPU)")
    p.add_argument("--name", metavar="NAME", help="Celery worker name (default: grader@HOST)")
    p.add_argument("--parent", type=int, help=argparse.SUPPRESS)
    add_worker_tuning(p)
    p.set_defaults(handler=worker)

    p = subparsers.add_parser(
        "tokens", help="issue tokens for the students of a roster (or an instructor)",
        description="Issue a secret token to each student of a CSV roster that has none (a "
                    "column named student, id, username, email or name), and print "
                    "'person,token' lines as CSV. The server stores only hashes: keep the "
                    "output and send each student their token.",
        epilog=SERVE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("roster", type=Path, nargs="?", metavar="ROSTER.csv",
                   help="the roster of students")
    p.add_argument("--instructor", action="append", default=[], metavar="NAME",
                   help="issue an instructor token (sees every submission); repeatable")
    p.add_argument("--reissue", action="store_true",
                   help="replace existing tokens too (the old ones stop working)")
    p.add_argument("--output", "-o", type=Path, metavar="FILE",
                   help="write the CSV here instead of standard output")
    add_data_argument(p)
    p.set_defaults(handler=tokens)


def add_data_argument(p) -> None:
    p.add_argument("--data", type=Path, default=Path("grader-data"), metavar="DIR",
                   help="where the server keeps its database (default: ./grader-data)")


def add_worker_tuning(p) -> None:
    p.add_argument("--lease", type=float, default=30.0, metavar="SECONDS",
                   help="a job whose worker stops renewing its lease for this long is "
                        "graded again (default: 30)")
    p.add_argument("--gpu-jobs", type=int, default=1, metavar="N",
                   help="grading jobs at once on one GPU (default: 1)")


def rate_limit(text: str) -> tuple[int, float]:
    from . import CommandError

    count, _, window = text.partition("/")
    try:
        return int(count), float(window or 60)
    except ValueError:
        raise CommandError(f"--rate-limit {text!r}: expected N/SECONDS, e.g. 20/60") from None


def serve(course, args) -> int:
    import uvicorn

    from ..server.app import create_app
    from ..server.settings import ServerSettings

    count, window = rate_limit(args.rate_limit)
    settings = ServerSettings(
        data_dir=args.data, course_file=args.course or find_course_file(),
        workers=args.workers, queue_url=args.queue,
        max_upload_bytes=int(args.max_upload_mb * 1e6), rate_limit=count, rate_window=window,
        lease_seconds=args.lease, gpu_jobs=args.gpu_jobs)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    uvicorn.run(create_app(course, settings), host=args.host, port=args.port,
                log_level="info")
    return 0


def worker(course, args) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.queue:
        from ..server.celery_app import run_celery_worker

        return run_celery_worker(args.queue, course, concurrency=args.concurrency,
                                 name=args.name, gpu_jobs=args.gpu_jobs)
    from ..server.workers import die_with_parent, run_worker

    if args.parent:
        die_with_parent(args.parent)
    run_worker(course, args.data, lease_seconds=args.lease, gpu_jobs=args.gpu_jobs)
    return 0


def tokens(course, args) -> int:
    from ..server.auth import issue_tokens, read_roster
    from ..server.store import Store
    from . import CommandError

    if args.roster is None and not args.instructor:
        raise CommandError("give a roster CSV, or --instructor NAME")
    try:
        students = read_roster(args.roster) if args.roster else []
    except (OSError, ValueError, KeyError) as exc:
        raise CommandError(f"cannot read the roster: {exc}") from None
    store = Store.in_directory(args.data)
    issued = (issue_tokens(store, students, "student", reissue=args.reissue)
              + issue_tokens(store, args.instructor, "instructor", reissue=args.reissue))
    out = (os.fdopen(os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w",
                     newline="") if args.output else sys.stdout)  # the tokens are secrets
    try:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["person", "role", "token"])
        for (person, token), role in zip(
                issued, ["student"] * len(students) + ["instructor"] * len(args.instructor),
                strict=True):
            writer.writerow([person, role, token or "(already has a token; --reissue "
                                                    "to replace it)"])
    finally:
        if args.output:
            out.close()
    kept = sum(token is None for _, token in issued)
    print(f"issued {len(issued) - kept} tokens; {kept} people kept theirs", file=sys.stderr)
    return 0
