"""The documents tab and the upload export."""
