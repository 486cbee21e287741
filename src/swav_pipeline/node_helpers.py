"""Small helpers shared by the pipeline definitions."""

from functools import partial, update_wrapper


def for_role(func, role: str):
    """``func`` with its ``role`` argument bound, keeping its name for Kedro's node names."""
    return update_wrapper(partial(func, role=role), func)
