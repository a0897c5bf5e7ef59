"""``course lectures build`` and ``course lectures serve``: the lecture notes as a static site."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..config import find_course_file

DEFAULT_OUT = Path("build") / "lectures"

BUILD_HELP = """Render lectures/ into a static HTML site: every lecture with its math, its
figures (drawn by running the lecture's code cells now, with the reference
implementations) and a link to its assignment notebook. The site lands in
DIR/html (see --out); the build fails if a cell fails, a link is broken or the site would
show reference code."""

SERVE_HELP = """Serve a built site on localhost to preview it in a browser (Ctrl-C stops)."""


def register(subparsers) -> None:
    group = subparsers.add_parser(
        "lectures", help="build or preview the lecture notes site",
        description="The lecture notes: one lecture per assignment, built into a static "
                    "site that works offline.")
    commands = group.add_subparsers(dest="lectures_command", required=True, metavar="COMMAND")

    p = commands.add_parser("build", help="build the site (executes the lectures' code)",
                            description=BUILD_HELP)
    p.add_argument("--out", type=Path, metavar="DIR",
                   help=f"build folder (default: {DEFAULT_OUT} beside course.yml); "
                        "the site is DIR/html")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: the site folder, its pages, figures, seconds")
    p.set_defaults(handler=build)

    p = commands.add_parser("serve", help="preview a built site in a browser",
                            description=SERVE_HELP)
    p.add_argument("--site", type=Path, metavar="DIR",
                   help=f"the site folder (default: {DEFAULT_OUT}/html beside course.yml)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    p.set_defaults(handler=serve)


def course_dir(args) -> Path:
    """The folder of the course file, where lectures/ and assignments/ live."""
    return (args.course or find_course_file()).resolve().parent


def build(course, args) -> int:
    from ..lectures import LectureBuildError, build_site
    from . import CommandError

    root = course_dir(args)
    out = (args.out or root / DEFAULT_OUT).resolve()
    try:
        site = build_site(course, root, out)
    except LectureBuildError as exc:
        if exc.log:
            print(exc.log, file=sys.stderr)
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(site.to_json(), indent=2))
    else:
        print(f"built {len(site.pages)} pages with {len(site.figures)} figures in "
              f"{site.seconds:.0f} s: {site.root / 'index.html'}")
    return 0


def serve(course, args) -> int:
    from ..lectures import make_server
    from . import CommandError

    site = (args.site or course_dir(args) / DEFAULT_OUT / "html").resolve()
    if not (site / "index.html").is_file():
        raise CommandError(f"{site}: no built site here; run `course lectures build` first")
    try:
        server = make_server(site, args.port, args.host)
    except OSError as exc:
        raise CommandError(f"cannot listen on {args.host}:{args.port} ({exc.strerror})") from None
    host, port = server.server_address[:2]
    print(f"serving {site} at http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
