"""Run configuration."""

from embedlab.config.run import RunConfig, default_cache_dir

__all__ = ["RunConfig", "default_cache_dir"]
