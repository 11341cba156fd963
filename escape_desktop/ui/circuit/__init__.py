"""The circuit tab: stations, levels and results per session."""
