"""Which typed model validates which top-level parameter section."""

from swav_pipeline.data.preparation import PreprocessParams
from swav_pipeline.data.sources import IngestParams

PARAMETER_MODELS = {
    "ingest": IngestParams,
    "preprocess": PreprocessParams,
}
