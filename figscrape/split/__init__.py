"""The split stage: compound figures into panels."""

SPLITTER_VERSION = "split-19"  # stored with every panel: a new version re-splits every figure
