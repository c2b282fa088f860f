"""figscrape: medical-imaging datasets from the figures of preprints."""

__version__ = "0.1.0"
