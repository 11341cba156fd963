"""escape-desktop: run ESCAPE-pain classes offline."""

__version__ = "0.1.0"
