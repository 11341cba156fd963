"""The register tab: who came to which session."""
