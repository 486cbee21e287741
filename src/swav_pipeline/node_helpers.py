"""Small helpers shared by the pipeline definitions and nodes."""

from __future__ import annotations

from functools import partial, update_wrapper

from swav_pipeline.data.packed import PackedSplits
from swav_pipeline.swav.backbones import BUILTIN_BACKBONES, Backbone, BackboneSelection, build_backbone, load_backbone

# Node inputs of the evaluation pipelines: ``swav`` -> ``swav_backbone``, ``swav_config`` ->
# ``swav_backbone_config`` and so on, passed to the node as keyword arguments.
BACKBONE_INPUTS = {f"{name}{suffix}": f"{name}_backbone{suffix}"
                   for name in BUILTIN_BACKBONES for suffix in ("", "_config")}


def for_role(func, role: str):
    """``func`` with its ``role`` argument bound, keeping its name for Kedro's node names."""
    return update_wrapper(partial(func, role=role), func)


def backbone_record(config: dict, packed: PackedSplits) -> dict:
    """What is saved next to a backbone's weights: its architecture and input statistics."""
    return {"arch": config["arch"], "width": config["width"], "small_stem": config["small_stem"],
            "mean": packed.mean, "std": packed.std, "store_size": packed.meta["store_size"]}


def select_backbones(selection: BackboneSelection, builtin: dict[str, dict]) -> dict[str, Backbone]:
    """The selected backbones, built and loaded: ``builtin`` holds the ``BACKBONE_INPUTS``
    (``<name>`` state_dict, ``<name>_config`` record); extra checkpoints load from their
    files (``weights_only=True``)."""
    extra = {c.name: c for c in selection.extra_checkpoints}
    out = {}
    for name in selection.selected():
        if name in extra:
            out[name] = load_backbone(extra[name].path, extra[name].config())
        else:
            state, record = builtin[name], builtin[f"{name}_config"]
            model = build_backbone(record["arch"], record["width"], record["small_stem"])
            model.load_state_dict(state)
            out[name] = model
    return out
