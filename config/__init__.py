"""Settings from the environment, validated at start-up: the one config loader."""

from config.settings import (
    ConfigError,
    ScoringSettings,
    Settings,
    get_scoring_settings,
    get_settings,
    load_scoring_settings,
    load_settings,
)

__all__ = [
    "ConfigError",
    "ScoringSettings",
    "Settings",
    "get_scoring_settings",
    "get_settings",
    "load_scoring_settings",
    "load_settings",
]
