"""Recorded inputs of property checks, replayed on the next submission.

With a fixed seed, hypothesis draws the same inputs for every submission until one of
them fails: what it draws depends on the seed, the strategies and which inputs failed or
were rejected, never on the values the property computed. So the inputs of a run that
passed are recorded, and the next submission is first checked on exactly those, without
hypothesis's engine, which is most of a check's time. Each input is recorded with
hypothesis's choice sequence for it: when a replayed input fails, hypothesis shrinks it
from that sequence (``hypothesis_run``), as it shrinks the same input when its own search
finds it without a recording, so the counterexample is the same either way.

Recordings live in memory and, when a folder is given, on disk (one JSON file per
property), so that a new grading process replays them too. A recording is keyed by the
check, the seed and the number of examples, inside a folder named by a fingerprint of
everything that decides the draws (the checks' source, hypothesis, numpy, Python); a
change of any of them starts a new folder. Values are written as typed JSON, never
pickled; a value of another kind is not recorded and its check always runs hypothesis.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import importlib
import json
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

FINGERPRINT_LENGTH = 20


class Unrecordable(TypeError):
    """A drawn value this codec cannot write exactly."""


def encode(value):
    """``value`` as JSON-compatible data that ``decode`` turns back into an equal value of
    the same types; raises Unrecordable for anything else."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return {"float": value.hex()}
    if kind is list:
        return [encode(v) for v in value]
    if kind is tuple:
        return {"tuple": [encode(v) for v in value]}
    if kind is dict and all(type(k) is str for k in value):
        return {"dict": {k: encode(v) for k, v in value.items()}}
    if kind is np.ndarray and value.dtype.kind in "biuf" and value.flags.c_contiguous:
        return {"array": base64.b64encode(value.tobytes()).decode(), "dtype": value.dtype.str,
                "shape": list(value.shape)}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"scalar": base64.b64encode(value.tobytes()).decode(), "dtype": value.dtype.str}
    if isinstance(value, np.dtype) and value.kind in "biuf":
        return {"np_dtype": value.str}
    if isinstance(value, type) and issubclass(value, np.generic) \
            and np.dtype(value).kind in "biuf":
        return {"np_type": np.dtype(value).str}
    if dataclasses.is_dataclass(value) and not isinstance(value, type) \
            and kind.__module__.startswith("autograder."):
        return {"dataclass": f"{kind.__module__}:{kind.__qualname__}",
                "fields": {f.name: encode(getattr(value, f.name))
                           for f in dataclasses.fields(value)}}
    raise Unrecordable(f"cannot record a {kind.__module__}.{kind.__qualname__}")


def decode(data):
    """The value ``encode`` wrote."""
    if data is None or type(data) in (bool, int, str):
        return data
    if type(data) is list:
        return [decode(v) for v in data]
    if "float" in data:
        return float.fromhex(data["float"])
    if "tuple" in data:
        return tuple(decode(v) for v in data["tuple"])
    if "dict" in data:
        return {k: decode(v) for k, v in data["dict"].items()}
    if "array" in data:
        raw = base64.b64decode(data["array"])
        return np.frombuffer(raw, dtype=np.dtype(data["dtype"])).reshape(data["shape"]).copy()
    if "scalar" in data:
        return np.frombuffer(base64.b64decode(data["scalar"]), dtype=np.dtype(data["dtype"]))[0]
    if "np_dtype" in data:
        return np.dtype(data["np_dtype"])
    if "np_type" in data:
        return np.dtype(data["np_type"]).type
    if "dataclass" in data:
        module, qualname = data["dataclass"].split(":")
        if not module.startswith("autograder."):
            raise ValueError(f"refusing to build {module}.{qualname}")
        cls = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if not dataclasses.is_dataclass(cls):
            raise ValueError(f"{module}.{qualname} is not a dataclass")
        return cls(**{k: decode(v) for k, v in data["fields"].items()})
    raise ValueError(f"unknown recorded value {sorted(data)}")


def encode_example(drawn: dict) -> dict:
    """One drawn example (keyword -> value), checked to decode to what was drawn."""
    data = {name: encode(value) for name, value in drawn.items()}
    try:
        same = {name: encode(value) for name, value in decode_example(data).items()} == data
    except Exception as exc:  # never a failure of the check: the input is just not recorded
        raise Unrecordable(f"a drawn value cannot be rebuilt ({exc})") from None
    if not same:
        raise Unrecordable("a drawn value does not survive recording")
    return data


def decode_example(data: dict) -> dict:
    return {name: decode(value) for name, value in data.items()}


def encode_choices(choices: bytes) -> str:
    """Hypothesis's choice sequence for an example (what a shrink starts from), as text."""
    return base64.b64encode(choices).decode()


def recorded_choices(example) -> bytes | None:
    """The choice sequence recorded with an example; None if it has none that reads."""
    try:
        return base64.b64decode(example["choices"], validate=True)
    except (KeyError, TypeError, ValueError):
        return None


def fingerprint(*packages: str) -> str:
    """What decides hypothesis's draws for checks defined in ``packages``: their source
    files, the shared check code, and the versions of hypothesis, numpy and Python."""
    import hypothesis

    digest = hashlib.sha256()
    digest.update(f"{hypothesis.__version__}|{np.__version__}|{sys.version}".encode())
    for package in ("autograder.checks", *packages):
        folder = Path(importlib.import_module(package).__file__).parent
        for source in sorted(folder.rglob("*.py")):
            digest.update(source.relative_to(folder).as_posix().encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


def default_folder() -> Path | None:
    """``$COURSE_CACHE_DIR/examples``, else the user's cache folder; None when
    ``COURSE_CACHE_DIR`` is set to "off" (memory only)."""
    configured = os.environ.get("COURSE_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured) / "examples"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dl-course" / "examples"


class Recordings:
    """The recorded examples of one assignment's checks (thread-safe)."""

    def __init__(self, name: str, fingerprint_: str, folder: Path | None):
        self.name = name
        self.folder = folder / f"{name}-{fingerprint_}" if folder else None
        self._memory: dict[str, list[dict] | None] = {}
        self._lock = threading.Lock()
        self._pruned = False

    @staticmethod
    def file_name(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()[:32] + ".json"

    def get(self, key: str) -> list[dict] | None:
        with self._lock:
            if key in self._memory:
                return self._memory[key]
        examples = self._read(key)
        with self._lock:
            self._memory[key] = examples
        return examples

    def put(self, key: str, examples: list[dict]) -> None:
        with self._lock:
            self._memory[key] = examples
        self._write(key, examples)

    def _read(self, key: str) -> list[dict] | None:
        if self.folder is None or not owned_privately(self.folder):
            return None
        try:
            stored = json.loads((self.folder / self.file_name(key)).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(stored, dict) or stored.get("key") != key \
                or not isinstance(stored.get("examples"), list):
            return None
        return stored["examples"]

    def _write(self, key: str, examples: list[dict]) -> None:
        """Write atomically (workers share the folder); a cache that cannot be written,
        a read-only home for one, costs speed only."""
        if self.folder is None:
            return
        with contextlib.suppress(OSError):
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not owned_privately(self.folder):
                return
            self._prune_older()
            with tempfile.NamedTemporaryFile("w", dir=self.folder, suffix=".tmp",
                                             delete=False) as out:
                json.dump({"key": key, "examples": examples}, out)
            os.replace(out.name, self.folder / self.file_name(key))

    def _prune_older(self) -> None:
        """Remove this assignment's recordings of earlier fingerprints (checks edited)."""
        if self._pruned:
            return
        self._pruned = True
        for other in self.folder.parent.glob(f"{self.name}-*"):
            stamp = other.name[len(self.name) + 1:]
            if other != self.folder and len(stamp) == FINGERPRINT_LENGTH \
                    and all(c in "0123456789abcdef" for c in stamp):
                shutil.rmtree(other, ignore_errors=True)


def owned_privately(folder: Path) -> bool:
    """Only a folder of this user that nobody else may write is trusted: a recording
    decides which inputs a submission is checked on."""
    try:
        info = folder.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


_shared: dict[tuple, Recordings] = {}
_shared_lock = threading.Lock()


def recordings_for(assignment_id: str, package: str) -> Recordings:
    """The process's recordings of one assignment, backed by the default cache folder."""
    folder = default_folder()
    with _shared_lock:
        key = (assignment_id, package, folder)
        if key not in _shared:
            _shared[key] = Recordings(assignment_id, fingerprint(package), folder)
        return _shared[key]
