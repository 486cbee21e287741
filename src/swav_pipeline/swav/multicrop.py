"""Multi-crop augmentation made for a whole uint8 batch at once.

Per image and per crop, the parameters are drawn independently (box, flip, colour-jitter
factors and order, grayscale, blur sigma), as in the official SwAV transform; the work is
done with batched tensor ops (``roi_align`` for resized crops, broadcasting for colour,
grouped convolutions for blur), which on a CPU is some 30x faster than transforming
image by image with PIL or ``transforms.v2``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field, model_validator
from torchvision.ops import roi_align


class MultiCropSpec(BaseModel):
    """Which crops each image gives: ``nmb_crops[i]`` crops of ``size_crops[i]`` pixels,
    covering a random fraction of the image area in [``min_scale_crops[i]``, ``max_scale_crops[i]``]."""

    model_config = ConfigDict(extra="forbid")

    nmb_crops: list[int] = Field(default=[2, 4])
    size_crops: list[int] = Field(default=[28, 16])
    min_scale_crops: list[float] = Field(default=[0.25, 0.1])
    max_scale_crops: list[float] = Field(default=[1.0, 0.4])

    @model_validator(mode="after")
    def _check(self) -> MultiCropSpec:
        lists = ("nmb_crops", "size_crops", "min_scale_crops", "max_scale_crops")
        lengths = {k: len(getattr(self, k)) for k in lists}
        if len(set(lengths.values())) != 1 or lengths["nmb_crops"] == 0:
            raise ValueError(f"nmb_crops, size_crops, min_scale_crops and max_scale_crops must have the same non-zero length, got {lengths}")
        for i, (n, s, lo, hi) in enumerate(zip(self.nmb_crops, self.size_crops, self.min_scale_crops, self.max_scale_crops)):
            if n < 1:
                raise ValueError(f"nmb_crops[{i}] = {n}: each crop group needs at least 1 crop")
            if s < 4:
                raise ValueError(f"size_crops[{i}] = {s}: crops must be at least 4 pixels")
            if not (0 < lo <= hi <= 1):
                raise ValueError(f"min_scale_crops[{i}] = {lo}, max_scale_crops[{i}] = {hi}: scales must satisfy 0 < min <= max <= 1")
        return self

    def check_store(self, store_size: int) -> None:
        """Refuse crops larger than the stored images."""
        for i, s in enumerate(self.size_crops):
            if s > store_size:
                raise ValueError(f"size_crops[{i}] = {s} is larger than the stored image size {store_size}; lower it or raise store_size")

    @property
    def crop_sizes(self) -> list[int]:
        """The size of every crop, in crop order."""
        return [s for n, s in zip(self.nmb_crops, self.size_crops) for _ in range(n)]

    @property
    def crop_scales(self) -> list[tuple[float, float]]:
        return [(lo, hi) for n, lo, hi in zip(self.nmb_crops, self.min_scale_crops, self.max_scale_crops) for _ in range(n)]


class AugmentSpec(BaseModel):
    """Photometric augmentation, defaults from the official SwAV code."""

    model_config = ConfigDict(extra="forbid")

    flip_p: float = Field(0.5, ge=0, le=1)
    jitter_p: float = Field(0.8, ge=0, le=1)
    brightness: float = Field(0.8, ge=0)
    contrast: float = Field(0.8, ge=0)
    saturation: float = Field(0.8, ge=0)
    hue: float = Field(0.2, ge=0, le=0.5)
    grayscale_p: float = Field(0.2, ge=0, le=1)
    blur_p: float = Field(0.5, ge=0, le=1)
    blur_sigma: tuple[float, float] = (0.1, 2.0)
    blur_kernel_fraction: float = Field(0.1, gt=0, le=1)


def _uniform(n: int, lo: float, hi: float, g: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=g) * (hi - lo) + lo


def random_boxes(n: int, height: int, width: int, scale: tuple[float, float], g: torch.Generator,
                 ratio: tuple[float, float] = (3 / 4, 4 / 3), tries: int = 10) -> torch.Tensor:
    """RandomResizedCrop boxes (n, 4) xyxy, one per image, with torchvision's rejection rule."""
    area = height * width * _uniform(n * tries, *scale, g).view(n, tries)
    logr = _uniform(n * tries, math.log(ratio[0]), math.log(ratio[1]), g).view(n, tries)
    r = torch.exp(logr)
    w, h = torch.sqrt(area * r), torch.sqrt(area / r)
    ok = (w <= width) & (h <= height)
    first = torch.where(ok.any(1), ok.float().argmax(1), torch.full((n,), -1))
    rows = torch.arange(n)
    w = torch.where(first >= 0, w[rows, first.clamp(min=0)], torch.full((n,), float(width)))
    h = torch.where(first >= 0, h[rows, first.clamp(min=0)], torch.full((n,), float(height)))
    x0 = torch.rand(n, generator=g) * (width - w)
    y0 = torch.rand(n, generator=g) * (height - h)
    return torch.stack([x0, y0, x0 + w, y0 + h], 1)


def _gray(x: torch.Tensor) -> torch.Tensor:
    if x.shape[1] == 1:
        return x
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])


def _hue_shift(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Rotate hue by ``shift`` (in turns, per image) through HSV, batched."""
    r, g, b = x.unbind(1)
    maxc, _ = x.max(1)
    minc, _ = x.min(1)
    v = maxc
    delta = maxc - minc
    s = delta / maxc.clamp(min=1e-8)
    dc = delta.clamp(min=1e-8)
    rc, gc, bc = (maxc - r) / dc, (maxc - g) / dc, (maxc - b) / dc
    h = torch.where(maxc == r, bc - gc, torch.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = torch.where(delta > 0, (h / 6.0) % 1.0, torch.zeros_like(h))
    h = (h + shift.view(-1, 1, 1)) % 1.0
    i = torch.floor(h * 6.0)
    f = h * 6.0 - i
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    i = i.long() % 6
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = torch.zeros_like(x)
    for k, (cr, cg, cb) in enumerate(choices):
        m = (i == k).unsqueeze(1)
        out = torch.where(m, torch.stack([cr, cg, cb], 1), out)
    return out


def _blend(a: torch.Tensor, b: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    return (factor.view(-1, 1, 1, 1) * a + (1 - factor.view(-1, 1, 1, 1)) * b).clamp_(0, 1)


class JitterDraw(NamedTuple):
    """Per-image colour-jitter factors (1, or 0 for hue, where jitter is not applied) and op order."""

    brightness: torch.Tensor
    contrast: torch.Tensor
    saturation: torch.Tensor
    hue: torch.Tensor
    order: torch.Tensor  # (n, 4): slot -> op, 0 brightness, 1 contrast, 2 saturation, 3 hue


def draw_jitter(n: int, aug: AugmentSpec, g: torch.Generator) -> JitterDraw:
    """ColorJitter's random choices for ``n`` images, applied each with probability ``jitter_p``."""
    apply = torch.rand(n, generator=g) < aug.jitter_p
    one = torch.ones(n)
    factor = lambda strength: torch.where(apply, _uniform(n, max(0, 1 - strength), 1 + strength, g), one)  # noqa: E731
    bright, contr, satur = factor(aug.brightness), factor(aug.contrast), factor(aug.saturation)
    hue = torch.where(apply, _uniform(n, -aug.hue, aug.hue, g), torch.zeros(n))
    order = torch.argsort(torch.rand(n, 4, generator=g), dim=1)
    return JitterDraw(bright, contr, satur, hue, order)


def apply_jitter(x: torch.Tensor, d: JitterDraw) -> torch.Tensor:
    """Brightness, contrast, saturation and hue in each image's own order, as torchvision's ops.

    The first three are blends: a factor of 1 leaves an image as it is, so each slot applies
    them to the whole batch with the factor set to 1 where another op is due (no per-op
    masking, which on small crops cost more than the arithmetic). Only the hue rotation, an
    HSV round trip, runs on the images that need it. Saturation and hue leave grey images as
    they are and are skipped for them.
    """
    one = torch.ones_like(d.brightness)
    colour = x.shape[1] == 3
    for slot in range(4):
        due = d.order[:, slot]
        x = _blend(x, torch.zeros_like(x), torch.where(due == 0, d.brightness, one))
        x = _blend(x, _gray(x).mean((1, 2, 3), keepdim=True), torch.where(due == 1, d.contrast, one))
        if colour:
            x = _blend(x, _gray(x), torch.where(due == 2, d.saturation, one))
            sel = (due == 3) & (d.hue != 0)
            if sel.any():
                x[sel] = _hue_shift(x[sel], d.hue[sel])
    return x


def color_jitter(x: torch.Tensor, aug: AugmentSpec, g: torch.Generator) -> torch.Tensor:
    """ColorJitter with probability ``jitter_p``, each image its own factors and op order."""
    return apply_jitter(x, draw_jitter(x.shape[0], aug, g))


def gaussian_blur(x: torch.Tensor, aug: AugmentSpec, g: torch.Generator) -> torch.Tensor:
    """Gaussian blur with probability ``blur_p``; kernel ~``blur_kernel_fraction`` of the crop."""
    n, c, h, w = x.shape
    apply = torch.rand(n, generator=g) < aug.blur_p
    sigma = _uniform(n, *aug.blur_sigma, g)
    if not apply.any():
        return x
    k = max(3, int(aug.blur_kernel_fraction * min(h, w)) // 2 * 2 + 1)
    t = torch.arange(k, dtype=x.dtype) - k // 2
    kern = torch.exp(-(t.view(1, -1) ** 2) / (2 * sigma.view(-1, 1) ** 2))
    kern = kern / kern.sum(1, keepdim=True)
    delta = (t == 0).to(x.dtype).expand(n, k)
    kern = torch.where(apply.view(-1, 1), kern, delta).repeat_interleave(c, 0)
    y = F.pad(x.reshape(1, n * c, h, w), (k // 2, k // 2, k // 2, k // 2), mode="reflect")
    y = F.conv2d(y, kern.view(n * c, 1, k, 1), groups=n * c)
    y = F.conv2d(y, kern.view(n * c, 1, 1, k), groups=n * c)
    return y.view(n, c, h, w)


class BatchMultiCrop:
    """Callable: uint8 (B, H, W, C) batch -> list of normalised (B, 3, s, s) crops in crop order."""

    def __init__(self, spec: MultiCropSpec, mean: list[float], std: list[float],
                 aug: AugmentSpec | None = None, channels_last: bool = True):
        self.spec = spec
        self.aug = aug or AugmentSpec()
        self.mean = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
        self.channels_last = channels_last

    def crop(self, x: torch.Tensor, size: int, scale: tuple[float, float], g: torch.Generator) -> torch.Tensor:
        """One augmented view of every image in ``x`` (B, C, H, W) float in [0, 1], unnormalised."""
        n, c, h, w = x.shape
        boxes = random_boxes(n, h, w, scale, g)
        rois = torch.cat([torch.arange(n, dtype=x.dtype).view(-1, 1), boxes], 1)
        # sampling_ratio=0: one bilinear sample per output pixel where the crop is enlarged,
        # ceil(box / size) samples averaged per axis where it is shrunk (anti-aliasing).
        out = roi_align(x, rois, output_size=(size, size), spatial_scale=1.0, sampling_ratio=0, aligned=True)
        flip = (torch.rand(n, generator=g) < self.aug.flip_p).view(-1, 1, 1, 1)
        out = torch.where(flip, out.flip(-1), out)
        out = color_jitter(out, self.aug, g)
        if c == 3:
            gray = (torch.rand(n, generator=g) < self.aug.grayscale_p).view(-1, 1, 1, 1)
            out = torch.where(gray, _gray(out).expand_as(out), out)
        return gaussian_blur(out, self.aug, g)

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.std
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x.contiguous()

    def __call__(self, batch: torch.Tensor, g: torch.Generator) -> list[torch.Tensor]:
        x = to_float(batch)
        return [self.normalise(self.crop(x, s, sc, g)) for s, sc in zip(self.spec.crop_sizes, self.spec.crop_scales)]


def to_float(batch: torch.Tensor) -> torch.Tensor:
    """uint8 (B, H, W, C) -> float (B, C, H, W) in [0, 1]."""
    return batch.permute(0, 3, 1, 2).float().div_(255)


def normalise_batch(batch: torch.Tensor, mean: list[float], std: list[float]) -> torch.Tensor:
    """The evaluation transform: uint8 (B, H, W, C) -> normalised float (B, 3, H, W)."""
    m = torch.tensor(mean).view(1, -1, 1, 1)
    s = torch.tensor(std).view(1, -1, 1, 1)
    x = (to_float(batch) - m) / s
    return x.expand(-1, 3, -1, -1).contiguous() if x.shape[1] == 1 else x
