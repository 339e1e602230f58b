"""Stage 1 of the path: an event file (or YAML text, or a mapping) becomes a validated ``Event``."""
