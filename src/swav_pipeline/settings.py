"""Project settings."""

from pathlib import Path

from kedro.config import OmegaConfigLoader

from swav_pipeline.hooks import ValidateParametersHook

HOOKS = (ValidateParametersHook(),)

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # Environments (test, imagenet) list only what they change; the rest comes from base.
    "merge_strategy": {"parameters": "soft", "mlflow": "soft"},
    "config_patterns": {"mlflow": ["mlflow*", "mlflow*/**", "**/mlflow*"]},
    # `kedro run` starts in the project root; mlflow.yml uses this to make the SQLite path
    # absolute (kedro-mlflow resolves relative file paths, but not inside sqlite:/// URIs).
    "custom_resolvers": {"cwd": lambda: Path.cwd().as_posix()},
}
