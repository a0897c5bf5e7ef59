"""One hypothesis run of a property, as grading needs it: seeded, quiet, writing no files,
and either searching for a failing input or shrinking one found before.

A search runs hypothesis's generate phase only. A shrink starts from the choice sequence
of a failing input (hypothesis's own record of how it drew that input): the sequence goes
into an in-memory example database as a secondary entry, which hypothesis replays, finds
failing, and shrinks, without drawing the passing inputs that came before it again.
"""

from __future__ import annotations

from collections.abc import Callable

from . import hypothesis_setup  # noqa: F401 - the same inputs in every process
from .model import CheckFailure

# The database key of every run (set on the test, so hypothesis need not read the
# property's source to make one); a shrink's start goes under its secondary corpus.
DATABASE_KEY = b"property"
START_KEY = DATABASE_KEY + b".secondary"


def run_hypothesis(example: Callable, strategies: dict, *, function: str, seed: int,
                   max_examples: int, shrink: bool = False,
                   shrink_from: bytes | None = None) -> None:
    """Run ``example(drawn, data)`` on the inputs hypothesis draws (``data`` is its record of
    the draw, with ``.choices``); return if all passed.

    By default, search: raise the first failure as it is. With ``shrink_from``, replay
    that choice sequence and raise the failure of the smallest failing input found from
    it (return if it passes now). With ``shrink`` alone, both in one run: search, then
    shrink. A result of ``function`` that changes from one run of the same input to the
    next becomes a CheckFailure that says so."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seeded
    from hypothesis.control import current_build_context
    from hypothesis.database import InMemoryExampleDatabase

    database = None
    if shrink_from is not None:
        database = InMemoryExampleDatabase()
        database.save(START_KEY, shrink_from)
        phases = (Phase.reuse, Phase.shrink)
    else:
        phases = (Phase.explicit, Phase.generate) + ((Phase.shrink,) if shrink else ())

    @settings(max_examples=max_examples, database=database, deadline=None,
              derandomize=False, suppress_health_check=list(HealthCheck), phases=phases,
              report_multiple_bugs=False, verbosity=Verbosity.quiet, print_blob=False)
    @seeded(seed)  # under the settings: a seed alone turns the database off
    @given(**strategies)
    def run(**drawn):
        example(drawn, current_build_context().data)

    run._hypothesis_internal_database_key = DATABASE_KEY
    try:
        run()
    except CheckFailure as failure:
        raise failure from None
    except Exception as exc:  # hypothesis' own errors: flaky results and the like
        if "Flaky" in type(exc).__name__:
            raise CheckFailure(f"{function} gave different results for the same input "
                               "(results must be deterministic)") from None
        raise


def choice_bytes(data) -> bytes:
    """The choice sequence of the input ``data`` drew, as hypothesis's database stores it."""
    from hypothesis.database import choices_to_bytes

    return choices_to_bytes(data.choices)
