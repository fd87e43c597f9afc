import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from styleengine.allocator import allocator, release_free_memory

_TCMALLOC_PATHS = ("usr/lib/*/libtcmalloc_minimal.so.4", "usr/lib64/libtcmalloc_minimal.so.4")
TCMALLOC = next((path for pattern in _TCMALLOC_PATHS for path in Path("/").glob(pattern)), None)

# Allocates 256 MiB in blocks of sys.argv[1] bytes and frees every other one (glibc cannot trim
# those from the top of its heap), then prints the resident memory before and after
# release_free_memory(). glibc is probed with blocks below its mmap threshold (128 KiB), which
# it keeps in its heap; tcmalloc with large ones, which it keeps in its page heap.
_PROBE = textwrap.dedent(
    """
    import ctypes, sys
    from styleengine.allocator import allocator, release_free_memory

    def rss():
        return int(open("/proc/self/statm").read().split()[1]) * 4096

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    size = int(sys.argv[1])
    blocks = [libc.malloc(size) for _ in range((256 << 20) // size)]
    for block in blocks:
        ctypes.memset(block, 1, size)
    for block in blocks[::2]:
        libc.free(block)
    held = rss()
    release_free_memory()
    print(allocator(), held, rss())
    """
)


def _probe(env: dict[str, str], block: int) -> tuple[str, int, int]:
    command = [sys.executable, "-c", _PROBE, str(block)]
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    out = run.stdout.split()
    return out[0], int(out[1]), int(out[2])


def test_this_process_names_its_malloc() -> None:
    expected = "tcmalloc" if "tcmalloc" in os.environ.get("LD_PRELOAD", "") else "glibc"
    assert allocator() == expected
    release_free_memory()  # and handing memory back is harmless at any time


def test_glibc_hands_freed_memory_back_to_the_system() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    kind, held, after = _probe(env, 64 << 10)
    assert kind == "glibc"
    assert held - after > 64 << 20  # most of the 128 MiB freed in the middle of the heap


@pytest.mark.skipif(TCMALLOC is None, reason="tcmalloc is not installed on this machine")
def test_preloaded_tcmalloc_is_seen_and_hands_its_cache_back() -> None:
    kind, held, after = _probe({**os.environ, "LD_PRELOAD": str(TCMALLOC)}, 4 << 20)
    assert kind == "tcmalloc"
    assert held - after > 64 << 20
