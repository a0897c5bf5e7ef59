"""What a check is: a named rule of the contract, its weight, and the code that tests it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class Later:
    """A text written only when it is read: while hypothesis shrinks a counterexample, most
    failures are raised and thrown away, and describing their values is most of their cost."""

    def __init__(self, write: Callable[[], str]):
        self.write = write


class Detail:
    """A failure's detail, kept as given and written out the first time it is read."""

    def __set_name__(self, owner, name):
        self.slot = "_" + name

    def __get__(self, failure, owner=None):
        if failure is None:
            return self
        value = getattr(failure, self.slot)
        if isinstance(value, Later):
            value = value.write()
            setattr(failure, self.slot, value)
        return value

    def __set__(self, failure, value) -> None:
        setattr(failure, self.slot, value)


class CheckFailure(Exception):
    """A rule is broken; carries what a student needs to see it for themselves (each detail
    a text, or a ``Later`` one)."""

    counterexample = Detail()
    expected = Detail()
    received = Detail()

    def __init__(self, message: str, *, counterexample: str | Later | None = None,
                 expected: str | Later | None = None, received: str | Later | None = None):
        super().__init__(message)
        self.message = message
        self.counterexample = counterexample
        self.expected = expected
        self.received = received

    def full_message(self) -> str:
        parts = [self.message]
        if self.counterexample:
            parts.append(f"Input: {self.counterexample}")
        if self.expected is not None:
            parts.append(f"Expected: {self.expected}")
        if self.received is not None:
            parts.append(f"Received: {self.received}")
        return "\n".join(parts)


@dataclass(frozen=True)
class Check:
    """One rule of one function: run it, and it either returns or raises CheckFailure."""

    function: str
    name: str
    rule: str
    weight: float
    hidden: bool
    run: Callable

    @property
    def id(self) -> str:
        return f"{self.function}/{self.name}"


class CheckList:
    """The checks of one module, declared with the ``add`` decorator in reading order."""

    def __init__(self, *, hidden: bool):
        self.hidden = hidden
        self.checks: list[Check] = []

    def add(self, function: str, name: str, *, rule: str, weight: float = 1.0):
        def register(run: Callable) -> Callable:
            if any(c.function == function and c.name == name for c in self.checks):
                raise ValueError(f"duplicate check {function}/{name}")
            self.checks.append(Check(function, name, rule, weight, self.hidden, run))
            return run

        return register

    def for_function(self, function: str) -> list[Check]:
        return [c for c in self.checks if c.function == function]
