"""Grading results as plain dataclasses, and their JSON form (``course grade --json``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class CheckResult:
    name: str
    hidden: bool
    passed: bool
    points: float
    max_points: float
    message: str
    rule: str = ""
    counterexample: str | None = None
    expected: str | None = None
    received: str | None = None
    seed: int = 0
    seconds: float = 0.0


@dataclass
class ExerciseResult:
    function: str
    score: float
    max_score: float
    checks: list[CheckResult] = field(default_factory=list)


@dataclass
class GradeResult:
    assignment: str
    score: float
    max_score: float
    exercises: list[ExerciseResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    device: str = "cpu"
    sandbox: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self, *, timings: bool = False) -> dict:
        """The JSON object of ``course grade --json``; timings off keeps it reproducible."""
        data = asdict(self)
        data["score"] = round(self.score, 6)
        data["max_score"] = round(self.max_score, 6)
        for exercise in data["exercises"]:
            exercise["score"] = round(exercise["score"], 6)
            exercise["max_score"] = round(exercise["max_score"], 6)
            for check in exercise["checks"]:
                check["points"] = round(check["points"], 6)
                check["max_points"] = round(check["max_points"], 6)
                if not timings:
                    del check["seconds"]
        if not timings:
            del data["seconds"]
        return data
