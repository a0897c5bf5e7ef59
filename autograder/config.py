"""``course.yml``: the course, its assignments and the grading settings, validated.

Errors name the file, the line and the key: ``course.yml:14: assignments[0].exercises[1]
.points: Input should be greater than 0``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from . import exercises

DEFAULT_NAME = "course.yml"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExerciseConfig(Strict):
    function: str
    points: float = Field(gt=0)


class AssignmentConfig(Strict):
    id: str
    title: str
    notebook: str
    exercises: list[ExerciseConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def known_functions(self):
        try:
            spec = exercises.spec(self.id)
        except exercises.UnknownAssignment as exc:
            raise ValueError(str(exc)) from None
        names = [e.function for e in self.exercises]
        unknown = [n for n in names if n not in spec.functions]
        if unknown:
            raise ValueError(f"{', '.join(unknown)} not in the contract of {self.id} "
                             f"(its functions: {', '.join(spec.functions)})")
        if len(set(names)) != len(names):
            raise ValueError("a function is listed twice")
        return self

    @property
    def max_score(self) -> float:
        return sum(e.points for e in self.exercises)


class SandboxLimits(Strict):
    """Resource limits of the process that runs one submission."""

    memory_mb: int = Field(2048, gt=0, description="address space beyond the warm libraries")
    cpu_seconds: int = Field(600, gt=0, description="CPU time for the whole submission")
    processes: int = Field(64, gt=0, description="processes and threads at once")
    open_files: int = Field(256, ge=16)
    file_mb: int = Field(64, gt=0, description="largest file it may write")


class SandboxConfig(Strict):
    """How student code is isolated; each layer is used where the host allows it."""

    enabled: bool = True
    namespaces: bool = Field(True, description="own PID, network, mount and IPC namespaces")
    drop_privileges: bool = Field(True, description="run as an unprivileged user")
    tmp_mb: int = Field(64, gt=0, description="size of the private writable /tmp")
    gpu_memory_mb: int | None = Field(None, gt=0, description="CUDA memory budget")
    limits: SandboxLimits = SandboxLimits()


class GradingConfig(Strict):
    device: Literal["auto", "cpu", "cuda"] = "auto"
    call_timeout: float = Field(10.0, gt=0, description="seconds for one call of a function")
    check_timeout: float = Field(30.0, gt=0, description="seconds for one check")
    submission_timeout: float = Field(600.0, gt=0, description="seconds for a submission")
    load_timeout: float = Field(30.0, gt=0, description="seconds to run a submission's cells")
    max_examples: int = Field(50, ge=1, le=10_000, description="hypothesis examples per check")
    seed: int = 0
    replay_inputs: bool = Field(True, description="check each submission first on the inputs "
                                "hypothesis drew for earlier ones (same results, faster)")
    feedback: Literal["full", "brief"] = "full"
    max_submission_mb: float = Field(20.0, gt=0)
    sandbox: SandboxConfig = SandboxConfig()


class NbgraderConfig(Strict):
    """Where the course runs on nbgrader (``course build``, ``release``, ``collect``...)."""

    course_id: str = Field("dl-foundations", pattern=r"^[A-Za-z0-9_.-]+$")
    directory: str = Field("nbgrader", description="the nbgrader course directory, relative "
                                                   "to course.yml")
    exchange: str = Field("/srv/nbgrader/exchange",
                          description="nbgrader's exchange folder, shared with the students")
    db_url: str | None = Field(None, description="the gradebook's database URL (default: "
                                                 "gradebook.db in the course directory)")
    workers: int | None = Field(None, ge=1, description="grading processes (default: one "
                                                        "per core)")


class CourseConfig(Strict):
    title: str
    grading: GradingConfig = GradingConfig()
    nbgrader: NbgraderConfig = NbgraderConfig()
    assignments: list[AssignmentConfig] = Field(min_length=1)
    _folder: Path = PrivateAttr(default_factory=Path.cwd)

    def path(self, relative: str | Path) -> Path:
        """A path of course.yml, resolved against the folder that holds it."""
        return (self._folder / relative).resolve()

    @model_validator(mode="after")
    def unique_ids(self):
        ids = [a.id for a in self.assignments]
        if len(set(ids)) != len(ids):
            raise ValueError("two assignments share an id")
        return self

    def assignment(self, assignment_id: str) -> AssignmentConfig:
        for a in self.assignments:
            if a.id == assignment_id:
                return a
        raise exercises.UnknownAssignment(assignment_id)


class CourseConfigError(ValueError):
    """course.yml is missing or invalid; the message names file, line and key."""


def find_course_file(start: Path | None = None) -> Path:
    """``$COURSE_YML``, else the nearest course.yml upwards, else the one beside this package."""
    if os.environ.get("COURSE_YML"):
        return Path(os.environ["COURSE_YML"])
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / DEFAULT_NAME).is_file():
            return folder / DEFAULT_NAME
    return Path(__file__).resolve().parent.parent / DEFAULT_NAME


def load_course(path: Path | None = None) -> CourseConfig:
    path = Path(path) if path else find_course_file()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CourseConfigError(f"{path}: cannot read the course file ({exc.strerror})") from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise CourseConfigError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})"
                                ) from None
    try:
        course = CourseConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        line = line_of(node, loc)
        where = format_loc(loc) or "(top level)"
        raise CourseConfigError(f"{path}:{line}: {where}: {err['msg']}") from None
    course._folder = path.resolve().parent
    return course


def format_loc(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(node, loc) -> int:
    """The 1-based line of the deepest YAML node that ``loc`` reaches."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line
