"""Which typed model validates which top-level parameter section."""

from swav_pipeline.data.preparation import PreprocessParams
from swav_pipeline.data.sources import IngestParams
from swav_pipeline.evaluation.classifier import BaselinesParams
from swav_pipeline.evaluation.detection import DetectParams
from swav_pipeline.evaluation.protocol import LinearEvalParams
from swav_pipeline.evaluation.report import ReportParams
from swav_pipeline.swav.config import PretrainConfig

PARAMETER_MODELS = {
    "ingest": IngestParams,
    "preprocess": PreprocessParams,
    "pretrain": PretrainConfig,
    "baselines": BaselinesParams,
    "linear_eval": LinearEvalParams,
    "detect": DetectParams,
    "report": ReportParams,
}
