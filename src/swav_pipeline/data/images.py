"""Decoding and checking single image files, and hashing pixels."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

# Larger than any real photo; guards against decompression bombs without refusing big scans.
Image.MAX_IMAGE_PIXELS = 400_000_000


@dataclass(frozen=True)
class Decoded:
    """A decoded image (H, W, C uint8) or the reason it was refused."""

    pixels: np.ndarray | None
    reason: str = ""
    native_channels: int = 0


def to_hwc(array: np.ndarray) -> np.ndarray:
    """Give a (H, W) or (H, W, C) uint8 array its channel axis."""
    return array[:, :, None] if array.ndim == 2 else array


def pixel_sha256(pixels: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()


def decode_file(path: str | Path, channels: int = 3, min_size: int = 8) -> Decoded:
    """Decode ``path`` fully (so truncation is caught) into ``channels`` channels."""
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            return Decoded(None, "empty file (0 bytes)")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.load()
                native = len(img.getbands())
                if img.width < min_size or img.height < min_size:
                    return Decoded(None, f"too small: {img.width}x{img.height} < {min_size} px")
                mode = "L" if channels == 1 else "RGB"
                pixels = np.asarray(img.convert(mode))
    except UnidentifiedImageError:
        return Decoded(None, "not an image (format not recognised)")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return Decoded(None, f"unreadable or truncated: {exc}")
    return Decoded(to_hwc(pixels), native_channels=native)
