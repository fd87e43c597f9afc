"""The C allocator this process runs on, and handing its cached free memory back to the system.

torch takes its CPU tensors from ``malloc``. glibc's malloc gives every block of 32 MiB or more
(a 512 px image's first-layer activations and their gradients) a fresh ``mmap`` and returns it
on ``free``, so each iteration faults those pages in again; how many it keeps depends on the
allocations before, so a run costs anything from 0.1 to 3 million page faults
(docs/performance.md). tcmalloc, preloaded (``LD_PRELOAD``; ``make run`` and the images do it
where it is installed), keeps freed blocks for reuse. Either way a finished job's free memory
is handed back (:func:`release_free_memory`), so that the next job's free-memory check sees it
free.
"""

from __future__ import annotations

import ctypes
import functools


@functools.cache
def _symbols() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None)  # the process's global symbols, the preloaded library first
    except OSError:
        return None


def _has(name: str) -> bool:
    symbols = _symbols()
    return symbols is not None and hasattr(symbols, name)


@functools.cache
def allocator() -> str:
    """``tcmalloc``, ``jemalloc``, ``glibc`` or ``other``: whose ``malloc`` this process uses."""
    if _has("MallocExtension_ReleaseFreeMemory"):
        return "tcmalloc"
    if _has("mallctl"):
        return "jemalloc"
    if _has("malloc_trim") and _has("mallopt"):
        return "glibc"
    return "other"


def release_free_memory() -> None:
    """Give the memory the allocator holds but nothing uses back to the operating system."""
    symbols = _symbols()
    if symbols is None:
        return
    kind = allocator()
    if kind == "tcmalloc":
        symbols.MallocExtension_ReleaseFreeMemory()
    elif kind == "glibc":
        symbols.malloc_trim(ctypes.c_size_t(0))
