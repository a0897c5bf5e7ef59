"""The FastAPI application: the JSON API, the student and instructor pages, metrics.

Handlers are plain functions (run in a thread pool), each thread with its own SQLite
connection. Grading happens elsewhere: in local worker processes or on Celery.
"""

import csv
import io
import json
import time
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import Cookie, Depends, FastAPI, File, Form, Header, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException

from ..config import CourseConfig
from .auth import TOKEN_COOKIE, Principal, authenticate, bearer_token
from .bodylimit import BodyLimit
from .errors import ApiError
from .feedback import feedback_page
from .limits import RateLimiter
from .metrics import RequestCounters, render_metrics
from .settings import ServerSettings
from .store import IdempotencyConflict, Store
from .uploads import check_upload

PAGES = Path(__file__).parent / "pages"
MULTIPART_OVERHEAD = 64 * 1024


def submission_view(row: dict, *, with_result: bool = True) -> dict:
    """A submission as the API shows it; ``result`` is the JSON of ``course grade --json``
    (left out of lists, which show the score)."""
    view = {
        "id": row["id"], "student": row["student"], "assignment": row["assignment"],
        "filename": row["filename"], "status": row["status"], "attempts": row["attempts"],
        "submitted_at": iso(row["created"]), "graded_at": iso(row["finished_at"]),
        "score": row["score"], "max_score": row["max_score"],
        "error": row["error"], "worker": row["worker"],
    }
    if with_result:
        view["result"] = json.loads(row["result_json"]) if row["result_json"] else None
    return view


def iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp else None


def make_backend(course: CourseConfig, settings: ServerSettings, store: Store):
    """The local worker pool, or the bridge to Celery when a queue URL is given."""
    if settings.uses_celery:
        from .celery_app import CeleryDispatcher

        return CeleryDispatcher(settings.queue_url, store, lease_seconds=settings.lease_seconds)
    from .workers import WorkerPool

    return WorkerPool(settings.course_file, settings.data_dir, settings.workers,
                      lease_seconds=settings.lease_seconds, gpu_jobs=settings.gpu_jobs)


def create_app(course: CourseConfig, settings: ServerSettings, *,
               run_workers: bool = True) -> FastAPI:
    store = Store.in_directory(settings.data_dir)
    limiter = RateLimiter(settings.rate_limit, settings.rate_window)
    counters = RequestCounters()
    backend = make_backend(course, settings, store) if run_workers else None
    templates = Environment(loader=FileSystemLoader(PAGES),
                            autoescape=select_autoescape(["html"]))

    @asynccontextmanager
    async def lifespan(app):
        if backend is not None:
            backend.start()
        yield
        if backend is not None:
            backend.stop()

    app = FastAPI(title=f"{course.title}: grading server", lifespan=lifespan,
                  description="Upload a notebook or a .py file, get its score and feedback. "
                              "Authenticate with 'Authorization: Bearer <token>'.")
    app.state.store = store
    app.state.backend = backend
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD,
                       on_refuse=counters.refuse)
    app.mount("/static", StaticFiles(directory=PAGES / "static"), name="static")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        counters.refuse(exc.error)
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        reason = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        counters.refuse(reason)
        return JSONResponse({"error": reason, "detail": str(exc.detail)},
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        counters.refuse("bad_request")
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        return JSONResponse({"error": "bad_request", "detail": problems}, status_code=422)

    def principal(authorization: Annotated[str | None, Header()] = None,
                  grader_token: Annotated[str | None, Cookie()] = None) -> Principal:
        return authenticate(store, bearer_token(authorization, grader_token))

    def instructor(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.is_instructor:
            raise ApiError(403, "instructors_only", "this needs an instructor's token")
        return who

    def visible_submission(submission_id: str, who: Principal) -> dict:
        row = store.submission(submission_id)
        if row is None or not (who.is_instructor or row["student"] == who.person):
            raise ApiError(404, "no_such_submission", f"no submission {submission_id} of yours")
        return submission_view(row)

    # ------------------------------------------------------------------ API

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict:
        store.job_counts()  # the database answers
        return {"status": "ok", "queue": "celery" if settings.uses_celery else "embedded",
                "workers_alive": backend.alive() if backend else 0}

    @app.get("/metrics", response_class=PlainTextResponse, tags=["service"])
    def metrics() -> str:
        alive = backend.alive() if backend is not None else None
        return render_metrics(store, counters, alive)

    @app.get("/api/assignments", tags=["assignments"])
    def assignments() -> list[dict]:
        return [{"id": a.id, "title": a.title, "max_score": a.max_score,
                 "exercises": [{"function": e.function, "points": e.points}
                               for e in a.exercises]} for a in course.assignments]

    @app.post("/api/submissions", status_code=202, tags=["submissions"])
    def submit(who: Annotated[Principal, Depends(principal)],
               file: Annotated[UploadFile, File(description="a .ipynb notebook or a .py file")],
               assignment: Annotated[str | None, Form(
                   description="the assignment id; a notebook may name it instead")] = None,
               idempotency_key: Annotated[str | None, Header(
                   max_length=200, description="retrying with the same key returns the "
                                               "first submission instead of a new one")] = None):
        content = file.file.read(settings.max_upload_bytes + 1)
        assignment_id, filename = check_upload(course, file.filename, content, assignment,
                                               settings.max_upload_bytes)
        wait = limiter.retry_after(who.person)
        if wait is not None:
            raise ApiError(429, "rate_limited",
                           f"at most {settings.rate_limit} uploads in "
                           f"{settings.rate_window:g} s; try again in {wait} s",
                           {"Retry-After": str(wait)})
        try:
            submission_id, new = store.add_submission(who.person, assignment_id, filename,
                                                      content, idempotency_key)
        except IdempotencyConflict:
            raise ApiError(409, "idempotency_key_reused",
                           "this Idempotency-Key was used for a different upload") from None
        body = {"id": submission_id, "status": store.submission(submission_id)["status"],
                "url": f"/api/submissions/{submission_id}"}
        return JSONResponse(body, status_code=202,
                            headers={} if new else {"Idempotent-Replayed": "true"})

    @app.get("/api/submissions", tags=["submissions"])
    def list_submissions(who: Annotated[Principal, Depends(principal)]) -> list[dict]:
        rows = store.submissions(None if who.is_instructor else who.person)
        return [submission_view(row, with_result=False) for row in rows]

    @app.get("/api/submissions/{submission_id}", tags=["submissions"])
    def get_submission(submission_id: str,
                       who: Annotated[Principal, Depends(principal)]) -> dict:
        return visible_submission(submission_id, who)

    @app.get("/api/submissions/{submission_id}/feedback", response_class=HTMLResponse,
             tags=["submissions"])
    def feedback(submission_id: str, who: Annotated[Principal, Depends(principal)]) -> str:
        return feedback_page(visible_submission(submission_id, who))

    @app.get("/api/scores.csv", response_class=PlainTextResponse, tags=["instructors"])
    def scores(who: Annotated[Principal, Depends(instructor)]):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["student", "assignment", "submission", "filename", "submitted_at",
                         "status", "score", "max_score"])
        for row in (submission_view(r, with_result=False) for r in store.submissions()):
            writer.writerow([row["student"], row["assignment"], row["id"], row["filename"],
                             row["submitted_at"], row["status"], row["score"],
                             row["max_score"]])
        return PlainTextResponse(out.getvalue(), media_type="text/csv", headers={
            "Content-Disposition": "attachment; filename=scores.csv"})

    # ------------------------------------------------------------------ pages

    def page(name: str, **context) -> HTMLResponse:
        html = templates.get_template(name).render(course=course, **context)
        return HTMLResponse(html)

    def page_principal(token: str | None) -> Principal | None:
        try:
            return authenticate(store, token)
        except ApiError:
            return None

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def login_page(grader_token: Annotated[str | None, Cookie()] = None):
        who = page_principal(grader_token)
        if who is not None:
            return RedirectResponse("/instructor" if who.is_instructor else "/student", 303)
        return page("login.html", error=None)

    @app.post("/login", include_in_schema=False)
    def login(request: Request, token: Annotated[str, Form()]):
        who = page_principal(token.strip())
        if who is None:
            response = page("login.html", error="This token is not known to the server.")
            response.status_code = 401
            return response
        response = RedirectResponse("/instructor" if who.is_instructor else "/student", 303)
        response.set_cookie(TOKEN_COOKIE, token.strip(), httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", max_age=180 * 24 * 3600)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout():
        response = RedirectResponse("/", 303)
        response.delete_cookie(TOKEN_COOKIE)
        return response

    @app.get("/student", response_class=HTMLResponse, include_in_schema=False)
    def student_page(grader_token: Annotated[str | None, Cookie()] = None):
        who = page_principal(grader_token)
        if who is None:
            return RedirectResponse("/", 303)
        return page("student.html", who=who, max_upload_bytes=settings.max_upload_bytes)

    @app.get("/instructor", response_class=HTMLResponse, include_in_schema=False)
    def instructor_page(grader_token: Annotated[str | None, Cookie()] = None):
        who = page_principal(grader_token)
        if who is None:
            return RedirectResponse("/", 303)
        if not who.is_instructor:
            return RedirectResponse("/student", 303)
        rows = [submission_view(row, with_result=False) for row in store.submissions()]
        return page("instructor.html", who=who, submissions=rows, now=time.time())

    return app
