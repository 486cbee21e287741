"""Which typed model validates which top-level parameter section."""

from swav_pipeline.data.preparation import PreprocessParams
from swav_pipeline.data.sources import IngestParams
from swav_pipeline.swav.config import PretrainConfig

PARAMETER_MODELS = {
    "ingest": IngestParams,
    "preprocess": PreprocessParams,
    "pretrain": PretrainConfig,
}
