"""Run configuration."""

from embedlab.config.run import RunConfig
from embedlab.core.paths import default_cache_dir

__all__ = ["RunConfig", "default_cache_dir"]
