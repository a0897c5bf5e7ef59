"""The wire format between the grader and the child: JSON plus raw array bytes.

A message is a 4-byte big-endian header length, a UTF-8 JSON header, then the raw
bytes of every array it carries. Arrays appear in the JSON tree as
``{"$array": i, "dtype": ..., "shape": [...], "kind": ...}``; the grader rebuilds
them with ``numpy.frombuffer`` from the declared dtype and shape and checks that the
byte counts agree. Nothing is ever unpickled, and no object of the child's is called
while decoding, so a student's object cannot lie about its value to the grader.

This module is imported by both sides: it needs only the standard library; numpy and
torch are imported lazily, when an array of theirs is encoded or decoded.
"""

from __future__ import annotations

import json
import math
import struct
import sys
from dataclasses import dataclass

HEADER = struct.Struct(">I")

# dtypes allowed on the wire, by name; anything else is refused on both sides.
DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64"}
)
MAX_DEPTH = 32


class WireError(ValueError):
    """A message that breaks the format, a limit or a declared type."""


@dataclass(frozen=True)
class Limits:
    """Caps on one message; the grader refuses anything larger."""

    max_header_bytes: int = 8 << 20
    max_array_bytes: int = 64 << 20
    max_total_bytes: int = 128 << 20
    max_items: int = 200_000
    max_str: int = 1 << 20


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class TensorData:
    """A torch tensor as the grader sees it: plain numpy values plus where it lived."""

    values: object  # numpy.ndarray
    device: str
    requires_grad: bool = False

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def shape(self):
        return self.values.shape


@dataclass(frozen=True)
class Rng:
    """Stands for ``numpy.random.default_rng(seed)``, built inside the child."""

    seed: int


@dataclass(frozen=True)
class Ref:
    """Stands for an object the child kept from an earlier call (see ``keep=``)."""

    name: str
    path: tuple = ()


@dataclass(frozen=True)
class CallbackMarker:
    """Stands for a function the child may call back into the grader."""

    name: str


# --------------------------------------------------------------------------- encode


def encode(value, *, limits: Limits = DEFAULT_LIMITS, tensor_view=None,
           lenient: bool = False, buffers: list | None = None) -> tuple[object, list]:
    """Turn ``value`` into a JSON tree and a list of raw buffers.

    ``tensor_view(tensor)`` returns a plain tensor with the same data and the name of
    its device on the wire (the child names the grading device "grading"); by default
    the tensor itself and ``str(tensor.device)``. ``lenient`` sends None for values of
    unsupported types instead of refusing the whole value. ``buffers`` continues the
    buffer list of an earlier ``encode`` of the same message.
    """
    buffers = [] if buffers is None else buffers
    counter = [0]
    np = sys.modules.get("numpy")
    ndarray = np.ndarray if np is not None else None

    def add_array(arr, kind, extra):
        if not arr.dtype.isnative:  # the bytes go in this machine's order, as read back
            arr = arr.astype(arr.dtype.newbyteorder("="))
        name = dtype_name(arr.dtype)
        if name not in DTYPES:
            raise WireError(f"arrays of dtype {name} are not supported")
        data = memoryview(arr_bytes(arr)).cast("B")
        if data.nbytes > limits.max_array_bytes:
            raise WireError(f"an array of {data.nbytes} bytes is over the limit")
        buffers.append(data)
        node = {"$array": len(buffers) - 1, "dtype": name,
                "shape": list(arr.shape), "kind": kind}
        node.update(extra)
        return node

    def walk(obj, depth):
        counter[0] += 1
        if counter[0] > limits.max_items:
            raise WireError("too many items in one value")
        if depth > MAX_DEPTH:
            raise WireError("value nested too deeply")
        t = type(obj)
        if t is ndarray:  # the most common value, so tested first
            return add_array(obj, "numpy", {})
        if obj is None or t is bool or t is str:
            if t is str and len(obj) > limits.max_str:
                raise WireError("string over the length limit")
            return obj
        if t is int:
            if abs(obj) >= 1 << 63:
                raise WireError("integer out of the int64 range")
            return obj
        if t is float:
            return obj if math.isfinite(obj) else {"$float": repr(obj)}
        # containers are sent as their plain form (a defaultdict as a dict, a named
        # tuple as a tuple); the receiver only ever sees plain ones
        if isinstance(obj, list):
            return [walk(x, depth + 1) for x in list.__iter__(obj)]
        if isinstance(obj, tuple):
            return {"$tuple": [walk(x, depth + 1) for x in tuple.__iter__(obj)]}
        if isinstance(obj, dict):
            return {"$dict": [[walk(k, depth + 1), walk(v, depth + 1)]
                              for k, v in dict.items(obj)]}
        if t is Rng:
            return {"$rng": obj.seed}
        if t is Ref:
            return {"$ref": obj.name, "path": list(obj.path)}
        if t is CallbackMarker:
            return {"$callback": obj.name}
        if t is TensorData:
            return add_array(obj.values, "torch", {"device": obj.device,
                                                   "requires_grad": obj.requires_grad})
        if np is not None and isinstance(obj, np.generic) and t.__module__ == "numpy":
            return add_array(np.asarray(obj), "numpy-scalar", {})
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(obj, torch.Tensor):
            plain, device = tensor_view(obj) if tensor_view else (obj, str(obj.device))
            plain = torch.Tensor.detach(plain)
            if plain.layout != torch.strided:
                raise WireError("only dense tensors are supported")
            arr = torch.Tensor.numpy(torch.Tensor.cpu(plain).contiguous().resolve_conj())
            return add_array(arr, "torch", {"device": device,
                                            "requires_grad": bool(obj.requires_grad)})
        if lenient:
            return None
        raise WireError(f"values of type {describe_type(obj)} cannot be sent")

    return walk(value, 0), buffers


_dtype_names: dict = {}
_dtypes: dict = {}  # numpy dtypes by wire name (only names in DTYPES get here)


def dtype_name(dtype) -> str:
    """``dtype.name``, remembered: numpy works it out anew on every access, and every
    array sent asks for it."""
    name = _dtype_names.get(dtype)
    if name is None:
        name = _dtype_names[dtype] = dtype.name
    return name


def describe_type(obj) -> str:
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def arr_bytes(arr):
    np = sys.modules["numpy"]
    return np.ascontiguousarray(arr).reshape(-1).view(np.uint8)


# --------------------------------------------------------------------------- decode


def decode(tree, buffers, *, limits: Limits = DEFAULT_LIMITS, materialize=None):
    """Rebuild a value from ``encode``'s output, strictly, without running its code.

    Arrays become numpy arrays (``TensorData`` for tensors) unless ``materialize``
    (used in the child) turns special nodes into live objects.
    """
    import numpy as np

    def walk(node, depth):
        if depth > MAX_DEPTH:
            raise WireError("value nested too deeply")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [walk(x, depth + 1) for x in node]
        if not isinstance(node, dict) or len(node) == 0:
            raise WireError("malformed value")
        if "$array" in node:
            arr = read_array(node)
            if materialize is not None:
                return materialize("array", node, arr)
            if node["kind"] == "torch":
                return TensorData(arr, str(node.get("device", "cpu")),
                                  bool(node.get("requires_grad", False)))
            if node["kind"] == "numpy-scalar":
                return arr[()]
            return arr
        tags = [k for k in node if k.startswith("$")]
        if len(tags) != 1:
            raise WireError("malformed value")
        key = tags[0]
        if key == "$float":
            if node[key] not in ("nan", "inf", "-inf"):
                raise WireError("malformed float")
            return float(node[key])
        if key == "$tuple":
            return tuple(walk(x, depth + 1) for x in expect_list(node[key]))
        if key == "$dict":
            out = {}
            for pair in expect_list(node[key]):
                k, v = expect_list(pair, 2)
                k = walk(k, depth + 1)
                if not isinstance(k, (str, int, float, bool, type(None), tuple)):
                    raise WireError("unhashable dictionary key")
                out[k] = walk(v, depth + 1)
            return out
        if key in ("$rng", "$ref", "$callback"):
            if materialize is None:
                raise WireError(f"unexpected {key} in a value")
            return materialize(key, node, None)
        raise WireError(f"unknown value tag {key!r}")

    def read_array(node):
        idx, dtype, shape = node["$array"], node.get("dtype"), node.get("shape")
        if not isinstance(idx, int) or not 0 <= idx < len(buffers):
            raise WireError("array refers to a missing buffer")
        if dtype not in DTYPES:
            raise WireError(f"dtype {dtype!r} is not allowed")
        if not isinstance(shape, list) or len(shape) > 32 or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape
        ):
            raise WireError("malformed array shape")
        if node.get("kind") not in ("numpy", "numpy-scalar", "torch"):
            raise WireError("malformed array kind")
        dt = _dtypes.get(dtype) or _dtypes.setdefault(dtype, np.dtype(dtype))
        count = math.prod(shape)
        data = buffers[idx]
        if count * dt.itemsize != len(data):
            raise WireError("array byte count does not match its dtype and shape")
        return np.frombuffer(data, dtype=dt, count=count).reshape(shape).copy()

    return walk(tree, 0)


def expect_list(node, length=None):
    if not isinstance(node, list) or (length is not None and len(node) != length):
        raise WireError("malformed value")
    return node


# --------------------------------------------------------------------------- framing


def pack(header: dict, buffers: list, *, limits: Limits = DEFAULT_LIMITS) -> list:
    """Frame a message as a list of byte chunks (to send with ``sendall`` in order)."""
    header = dict(header, buffers=[b.nbytes if isinstance(b, memoryview) else len(b)
                                   for b in buffers])
    raw = _compact_json(header).encode()
    if len(raw) > limits.max_header_bytes:
        raise WireError("message header over the size limit")
    if sum(header["buffers"]) > limits.max_total_bytes:
        raise WireError("message over the size limit")
    return [HEADER.pack(len(raw)), raw, *buffers]


# one encoder for every header (``json.dumps`` with options builds a new one per call); a
# header is a tree ``encode`` built, never circular
_compact_json = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

JOIN_BELOW = 1 << 20  # smaller messages go in one write: the reader wakes once, not per part


def send(sock, header: dict, buffers: list = (), *, limits: Limits = DEFAULT_LIMITS) -> None:
    write(sock, pack(header, list(buffers), limits=limits))


def write(sock, chunks: list) -> None:
    """Send a packed message; a small one in one write, so the reader wakes once."""
    if sum(memoryview(c).nbytes for c in chunks) < JOIN_BELOW:
        chunks = [b"".join(chunks)]
    for chunk in chunks:
        sock.sendall(chunk)


def recv(sock, *, limits: Limits = DEFAULT_LIMITS) -> tuple[dict, list]:
    """Read one message; raise ``EOFError`` when the peer has gone."""
    (size,) = HEADER.unpack(recv_exact(sock, HEADER.size))
    if size > limits.max_header_bytes:
        raise WireError("message header over the size limit")
    try:
        header = json.loads(recv_exact(sock, size))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WireError("message header is not valid JSON") from exc
    sizes = header.get("buffers") if isinstance(header, dict) else None
    if not isinstance(sizes, list) or not all(
        isinstance(n, int) and 0 <= n <= limits.max_array_bytes for n in sizes
    ):
        raise WireError("malformed message header")
    if sum(sizes) > limits.max_total_bytes:
        raise WireError("message over the size limit")
    return header, [recv_exact(sock, n) for n in sizes]


def recv_exact(sock, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise EOFError("the other side closed the connection")
        got += k
    return bytes(buf)
