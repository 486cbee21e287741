"""torchvision ResNets with a width knob and a small-image stem.

``width`` is the number of channels of the first stage (torchvision's is 64); later stages
double it as usual. ``small_stem`` swaps the 7x7/2 convolution and max-pool for a 3x3/1
convolution, the usual choice for inputs of 64 px or less. The model is a
``torchvision.models.ResNet`` with the same parameter names, so a saved ``state_dict``
loads into ``build_backbone`` with the same arguments (and, at width 64 with the standard
stem, into ``torchvision.models.resnet50()`` itself).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

ARCHS: dict[str, tuple[type[nn.Module], list[int], int]] = {
    # name: (block, layers, width_per_group multiplier)
    "resnet18": (BasicBlock, [2, 2, 2, 2], 1),
    "resnet34": (BasicBlock, [3, 4, 6, 3], 1),
    "resnet50": (Bottleneck, [3, 4, 6, 3], 1),
    "resnet101": (Bottleneck, [3, 4, 23, 3], 1),
    "wide_resnet50_2": (Bottleneck, [3, 4, 6, 3], 2),
}
Arch = Literal["resnet18", "resnet34", "resnet50", "resnet101", "wide_resnet50_2"]


class Backbone(ResNet):
    """A ResNet trunk whose ``fc`` is the identity: ``forward`` returns pooled features."""

    def __init__(self, arch: Arch = "resnet18", width: int = 64, small_stem: bool = False):
        if arch not in ARCHS:
            raise ValueError(f"unknown backbone '{arch}'; choose one of {', '.join(ARCHS)}")
        block, layers, wide = ARCHS[arch]
        super().__init__(block, layers, width_per_group=64 * wide)
        # Rebuild the stages at the requested width; torchvision fixes 64 channels.
        self.inplanes = width
        self.base_width = 64 * wide  # bottleneck inner width factor; planes carry the width
        if small_stem:
            self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False)
            self.maxpool = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, width * 8, layers[3], stride=2)
        self.fc = nn.Identity()
        self.num_features = width * 8 * block.expansion
        self.arch, self.width, self.small_stem = arch, width, small_stem
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def config(self) -> dict:
        return {"arch": self.arch, "width": self.width, "small_stem": self.small_stem}


def build_backbone(arch: Arch = "resnet18", width: int = 64, small_stem: bool = False) -> Backbone:
    return Backbone(arch, width, small_stem)


def load_backbone(path: str, config: dict) -> Backbone:
    """Load a saved backbone ``state_dict`` safely (``weights_only=True``).

    A checkpoint that does not match ``config`` is refused with the first mismatching key.
    """
    model = build_backbone(**config)
    state = torch.load(path, map_location="cpu", weights_only=True)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[1].strip() if "\n" in str(exc) else str(exc)
        raise ValueError(f"checkpoint {path} does not match backbone {config}: {first}") from None
    return model


BUILTIN_BACKBONES = ("swav", "supervised", "random")


class CheckpointSpec(BaseModel):
    """A backbone state_dict from elsewhere, to evaluate beside the built-in ones.

    Validating the spec loads the file (``weights_only=True``) and checks it against the
    architecture, so a mismatch is refused before any work starts.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    path: str
    arch: Arch = "resnet18"
    width: int = Field(64, ge=8)
    small_stem: bool = False

    @model_validator(mode="after")
    def _loads(self) -> CheckpointSpec:
        if self.name in BUILTIN_BACKBONES:
            raise ValueError(f"'{self.name}' is a built-in backbone name; pick another")
        if not Path(self.path).is_file():
            raise ValueError(f"checkpoint file {self.path} does not exist")
        load_backbone(self.path, self.config())
        return self

    def config(self) -> dict:
        return {"arch": self.arch, "width": self.width, "small_stem": self.small_stem}


class BackboneSelection(BaseModel):
    """Which backbones an evaluation pipeline runs on: built-in names and extra checkpoints."""

    model_config = ConfigDict(extra="forbid")

    extra_checkpoints: list[CheckpointSpec] = []
    backbones: list[str] = list(BUILTIN_BACKBONES)

    @field_validator("backbones")
    @classmethod
    def _known(cls, names: list[str], info) -> list[str]:
        extra = [c.name for c in info.data.get("extra_checkpoints", [])]
        known = [*BUILTIN_BACKBONES, *extra]
        for n in names:
            if n not in known:
                raise ValueError(f"unknown backbone '{n}'; choose from {', '.join(known)} "
                                 "(add your own under extra_checkpoints)")
        if len(set(names)) != len(names):
            raise ValueError("a backbone is listed twice")
        return names

    def selected(self) -> list[str]:
        """The listed backbones, then any extra checkpoint not listed (extras are always run)."""
        return self.backbones + [c.name for c in self.extra_checkpoints if c.name not in self.backbones]
