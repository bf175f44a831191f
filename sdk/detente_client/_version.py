"""The version of detente-client (read by its packaging too)."""

__version__ = "0.1.0"
