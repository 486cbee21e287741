"""IDX files (the MNIST / Fashion-MNIST format), gzipped or not."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {np.dtype(v).newbyteorder(">") if np.dtype(v).itemsize > 1 else np.dtype(v): k for k, v in _DTYPES.items()}


class IdxFormatError(ValueError):
    """The file is not a valid IDX file."""


def _open(path: Path):
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file into an array of its stored shape and type."""
    path = Path(path)
    try:
        with _open(path) as fh:
            header = fh.read(4)
            if len(header) < 4 or header[0] != 0 or header[1] != 0:
                raise IdxFormatError(f"{path} is not an IDX file (bad magic number)")
            code, ndim = header[2], header[3]
            if code not in _DTYPES:
                raise IdxFormatError(f"{path} has an unknown IDX data type 0x{code:02x}")
            dims = struct.unpack(f">{ndim}I", fh.read(4 * ndim))
            dtype = np.dtype(_DTYPES[code])
            expected = int(np.prod(dims)) * dtype.itemsize
            data = fh.read(expected)
    except (OSError, EOFError) as exc:
        raise IdxFormatError(f"{path} could not be read as IDX: {exc}") from exc
    if len(data) != expected:
        raise IdxFormatError(
            f"{path} is truncated: expected {expected} bytes of data, found {len(data)}"
        )
    return np.frombuffer(data, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write an array as IDX; gzip it when the name ends in ``.gz``."""
    path = Path(path)
    big = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    if big not in _CODES:
        raise IdxFormatError(f"dtype {array.dtype} cannot be stored as IDX")
    header = bytes([0, 0, _CODES[big], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + np.ascontiguousarray(array, dtype=big).tobytes()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as fh:
        fh.write(payload)
