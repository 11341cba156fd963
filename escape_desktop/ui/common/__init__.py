"""What every screen shares: the change bus, the operation path, workers, style, models."""
