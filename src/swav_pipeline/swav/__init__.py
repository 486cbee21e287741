"""Pure-PyTorch SwAV: multi-crop, backbones, head and prototypes, Sinkhorn, loss, queue,
LARC, schedules, the training loop and distributed helpers. Imports neither kedro nor mlflow."""

from .loss import swav_loss
from .sinkhorn import sinkhorn

__all__ = ["sinkhorn", "swav_loss"]
