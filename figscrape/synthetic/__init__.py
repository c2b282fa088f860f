"""Synthetic preprints with known figures: for tests, the extraction benchmark and the demo samples."""
