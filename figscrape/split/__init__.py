"""The split stage: compound figures into panels."""

SPLITTER_VERSION = "split-16e"  # stored with every panel: a new version re-splits every figure
