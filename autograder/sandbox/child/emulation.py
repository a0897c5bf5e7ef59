"""An emulated CUDA grading device, for graders without a GPU.

Student code that works on a laptop often fails on the GPU grader: a stray ``.cpu()``, ``.numpy()``
or a tensor made without ``device=`` gets mixed with CUDA tensors or returned. To catch these on a
CPU-only grader, inputs are tagged as living on "cuda:0" (``place``) and, while ``EmulatedDevice``
is active, every torch call follows CUDA's device rules for tagged tensors. Only the standard
library and torch are imported: this runs in the sandboxed child beside the student's code.
"""

import re

import torch
from torch.overrides import TorchFunctionMode

GRADING_DEVICE = torch.device("cuda", 0)
_CPU = torch.device("cpu")

_MISMATCH = (
    "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
)
_CPU_INDEXED_BY_CUDA = (
    "indices should be either on cpu or on the same device as the indexed tensor (cpu)"
)
_NUMPY = (
    "can't convert cuda:0 device type tensor to numpy. "
    "Use Tensor.cpu() to copy the tensor to host memory first."
)


class _Placed(torch.Tensor):
    """A CPU tensor tagged as living on the emulated device; EmulatedDevice does the rest."""

    __torch_function__ = torch._C._disabled_torch_function_impl  # no per-op cost of its own

    def __repr__(self, *, tensor_contents=None):
        """Print as a CUDA tensor does, so messages and student prints look as on the GPU."""
        with torch._C.DisableTorchFunction():
            text = torch.Tensor.__repr__(self, tensor_contents=tensor_contents)
        # "_Placed(" is one character longer than "tensor(": undo the extra indent.
        data, *suffixes = re.split(r", (?=\w+=)", text[len("_Placed(") : -1].replace("\n ", "\n"))
        return "tensor(" + ", ".join([data, "device='cuda:0'", *suffixes]) + ")"

    def __deepcopy__(self, memo):
        """A deep copy on the emulated device: torch's own wants a subclass-keeping new_empty."""
        self.__class__ = torch.Tensor
        try:
            return _tag(torch.Tensor.__deepcopy__(self, memo))
        finally:
            self.__class__ = _Placed

    def __format__(self, spec):
        """Format a 0-d tensor as its number, as torch does only for exact torch.Tensor."""
        return format(self.item(), spec) if self.dim() == 0 else object.__format__(self, spec)


def is_placed(t: object) -> bool:
    return isinstance(t, _Placed)


def place(t: torch.Tensor) -> torch.Tensor:
    """Copy ``t`` to the emulated device, like ``t.to("cuda")``, but a leaf stays a leaf."""
    with torch._C.DisableTorchFunction():
        if t.grad_fn is not None:
            return _tag(t.clone())
        return _tag(t.detach().clone().requires_grad_(t.requires_grad))


def release(t: torch.Tensor) -> torch.Tensor:
    """A detached plain CPU tensor sharing ``t``'s data, safe to serialise."""
    with torch._C.DisableTorchFunction():
        return t.detach()


def _tag(out):
    """Put the plain tensors of an op's result on the emulated device, in place.

    Changing the class keeps each tensor's identity, autograd history and leaf status, and costs
    far less than wrapping it in a new object.
    """
    if type(out) is torch.Tensor:
        out.__class__ = _Placed
    elif isinstance(out, (tuple, list)) and not isinstance(out, torch.Size):  # .max(dim), split...
        for t in _tensors(out):
            if type(t) is torch.Tensor:
                t.__class__ = _Placed
    return out


def _tensors(seq):
    for a in seq:
        if isinstance(a, torch.Tensor):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from _tensors(a)


_NOT_TENSORS = frozenset({int, float, bool, type(None), str, slice, torch.device, torch.dtype})


def _check_same_device(args, kwargs) -> bool:
    """Raise as CUDA does on mixed devices; return whether any input is on the emulated device.

    A 0-d CPU tensor passed directly as an operand is allowed beside CUDA tensors (not inside a
    list, as for torch.cat or torch.stack).
    """
    placed = cpu = False
    for a in (*args, *kwargs.values()) if kwargs else args:
        kind = type(a)  # cheaper than isinstance, which torch.Tensor's metaclass slows down
        if kind is _Placed:
            placed = True
        elif kind is torch.Tensor or (kind not in _NOT_TENSORS and isinstance(a, torch.Tensor)):
            cpu = cpu or a.dim() > 0
        elif kind is list or kind is tuple:
            for t in _tensors(a):
                if type(t) is _Placed:
                    placed = True
                else:
                    cpu = True
    if placed and cpu:
        raise RuntimeError(_MISMATCH)
    return placed


def _on_emulated(device) -> bool:
    """Whether a device argument ("cuda", "cuda:0", 0, torch.device, x.device) names cuda:0."""
    if device is GRADING_DEVICE:  # x.device of an emulated tensor: the common case
        return True
    if type(device) is int:
        device = torch.device("cuda", device)
    elif not isinstance(device, torch.device):
        device = torch.device(device)
    if device.type != "cuda":
        return False
    if device.index not in (None, 0):
        raise RuntimeError("CUDA error: invalid device ordinal")
    return True


def _resolve_device(kwargs, placed):
    """Where a ``device=`` argument puts the result, and kwargs that run on the CPU."""
    device = kwargs.get("device")
    if device is None:
        return placed, kwargs
    if _on_emulated(device):
        return True, {**kwargs, "device": _CPU}
    return False, kwargs


def _moved(out, source, placed):
    """The result of a transfer: a copy when the device changes (as on CUDA), on the right side."""
    if out is source:
        if is_placed(source) == placed:
            return out
        out = out.clone()  # a plain tensor: _Placed has no torch function of its own
    return _tag(out) if placed else out


def _to(func, args, kwargs):
    """Tensor.to and type_as: the device comes from a device argument or another tensor."""
    source, *rest = args
    placed = is_placed(source)
    for i, a in enumerate(rest):
        if isinstance(a, torch.Tensor):
            placed = is_placed(a)
        elif isinstance(a, (str, torch.device)) or type(a) is int:
            placed = _on_emulated(a)
            rest[i] = _CPU if placed else a
    placed, kwargs = _resolve_device(kwargs, placed)
    return _moved(func(source, *rest, **kwargs), source, placed)


def _cuda(func, args, kwargs):
    device = args[1] if len(args) > 1 else kwargs.get("device")
    _on_emulated("cuda" if device is None else device)  # raises for a second GPU
    return _moved(args[0], args[0], True)


def _cpu(func, args, kwargs):
    return _moved(func(*args, **kwargs), args[0], False)


def _copy_data(func, args, kwargs):
    """torch.tensor/as_tensor/asarray and new_tensor copy from any device.

    The result goes to ``device=``, else to the device of the first argument (the data, or
    ``self`` for new_tensor); a list of emulated 0-d tensors gives a CPU tensor, as on CUDA.
    """
    placed, kwargs = _resolve_device(kwargs, is_placed(args[0]))
    return _moved(func(*args, **kwargs), args[0], placed)


def _copy_into(func, args, kwargs):
    """copy_ accepts a source on any device."""
    return func(*args, **kwargs)


def _index(func, args, kwargs):
    """Indexing: CUDA lets CPU index tensors select from (and write into) a CUDA tensor."""
    self, key, *value = args
    placed = is_placed(self)
    keys = list(_tensors((key,)))
    if not placed and any(map(is_placed, keys)):
        raise RuntimeError(_CPU_INDEXED_BY_CUDA)
    if keys and value and isinstance(value[0], torch.Tensor):  # advanced indexing: index_put_
        v = value[0]
        if is_placed(v) != placed and (is_placed(v) or v.dim()):
            raise RuntimeError(_MISMATCH)
    out = func(*args, **kwargs)
    return _tag(out) if placed else out


def _to_numpy(func, args, kwargs):
    if is_placed(args[0]) and not kwargs.get("force"):
        raise TypeError(_NUMPY)
    return func(*args, **kwargs)


def _device(func, args, kwargs):
    return GRADING_DEVICE if is_placed(args[0]) else func(*args, **kwargs)


def _is_cuda(func, args, kwargs):
    return is_placed(args[0]) or func(*args, **kwargs)


def _is_cpu(func, args, kwargs):
    return not is_placed(args[0]) and func(*args, **kwargs)


def _get_device(func, args, kwargs):
    return 0 if is_placed(args[0]) else func(*args, **kwargs)


_HANDLERS = {
    torch.Tensor.device.__get__: _device,
    torch.Tensor.is_cuda.__get__: _is_cuda,
    torch.Tensor.is_cpu.__get__: _is_cpu,
    torch.Tensor.get_device: _get_device,
    torch.Tensor.numpy: _to_numpy,
    torch.Tensor.__array__: _to_numpy,
    torch.Tensor.to: _to,
    torch.Tensor.type_as: _to,
    torch.Tensor.cuda: _cuda,
    torch.Tensor.cpu: _cpu,
    torch.tensor: _copy_data,
    torch.as_tensor: _copy_data,
    torch.asarray: _copy_data,
    torch.Tensor.new_tensor: _copy_data,
    torch.Tensor.copy_: _copy_into,
    torch.Tensor.__getitem__: _index,
    torch.Tensor.__setitem__: _index,
}


class EmulatedDevice(TorchFunctionMode):
    """While active, torch calls follow CUDA's device rules and torch.cuda reports one GPU."""

    def __enter__(self):
        self._saved = torch.cuda.is_available, torch.cuda.device_count
        torch.cuda.is_available = lambda: True
        torch.cuda.device_count = lambda: 1
        return super().__enter__()

    def __exit__(self, *exc):
        torch.cuda.is_available, torch.cuda.device_count = self._saved
        return super().__exit__(*exc)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        handler = _HANDLERS.get(func)
        if handler is not None:
            return handler(func, args, kwargs)
        placed = _check_same_device(args, kwargs)
        if kwargs:
            placed, kwargs = _resolve_device(kwargs, placed)
        out = func(*args, **kwargs)
        if not placed or (args and out is args[0]):  # in-place ops return their own tensor
            return out
        return _tag(out)
