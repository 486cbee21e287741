"""swav-pipeline: SwAV pretraining and transfer evaluation as a Kedro project."""

__version__ = "0.1.0"
