"""Model service: one process per GPU serving an OpenAI-Videos-shaped job API."""

__version__ = "0.1.0"
