"""torch.distributed helpers: start from torchrun's environment or an elastic launch.

gloo on CPU, NCCL on GPU. Only rank 0 writes files and logs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import torch
import torch.distributed as dist


def world() -> tuple[int, int]:
    """(rank, world size) of this process; (0, 1) without a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def init_from_env(backend: str = "auto") -> bool:
    """Join the process group described by torchrun's variables (RANK, WORLD_SIZE, ...).

    Returns True when a group of more than one process is running afterwards.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    if not dist.is_initialized():
        if backend == "auto":
            backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend=backend)
    return True


def device_for_rank(device: str = "auto") -> torch.device:
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        return torch.device("cpu")
    return torch.device(device)


def elastic_run(fn: Callable[..., Any], args: tuple, nproc_per_node: int, nnodes: int = 1,
                rdzv_endpoint: str = "localhost:29400", rdzv_id: str = "swav-pipeline",
                max_restarts: int = 0) -> Any:
    """Run ``fn(*args)`` in ``nproc_per_node`` processes on each of ``nnodes`` nodes.

    Each node calls this with the same endpoint (the first node's host:port); returns what
    global rank 0 returned, or None on the other nodes.
    """
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    config = LaunchConfig(
        min_nodes=nnodes, max_nodes=nnodes, nproc_per_node=nproc_per_node,
        rdzv_backend="c10d",
        rdzv_endpoint=rdzv_endpoint if nnodes > 1 else "localhost:0", run_id=rdzv_id, max_restarts=max_restarts,
        monitor_interval=0.5, start_method="spawn",
    )
    results = elastic_launch(config, fn)(*args)
    return results.get(0)
