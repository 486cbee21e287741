"""Typed parameters: parse a parameters mapping into a pydantic model, or refuse it in one sentence."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ParameterError(ValueError):
    """A parameter has a value that is not allowed."""


def _lookup(values: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            values = values[part]
        except (KeyError, IndexError, TypeError):
            return "<missing>"
    return values


def parse(model: type[M], values: Any, key: str) -> M:
    """Validate ``values`` (the mapping under parameter ``key``) against ``model``.

    The error names the full key, the value given and what is allowed, e.g.
    ``Parameter 'pretrain.epochs' = -1 is not allowed: Input should be greater than 0.``
    """
    try:
        return model.model_validate(values if values is not None else {})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if p != "__root__")
        name = ".".join([key, *map(str, loc)])
        msg = err["msg"].removeprefix("Value error, ").rstrip(".")
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(sorted(model.model_fields))
            raise ParameterError(f"Parameter '{name}' is not a known key; allowed keys are: {allowed}.") from None
        value = _lookup(values, loc) if loc else values
        raise ParameterError(f"Parameter '{name}' = {value!r} is not allowed: {msg}.") from None
