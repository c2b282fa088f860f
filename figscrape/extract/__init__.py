"""The extract stage: every figure of a PDF with its caption, number, page, box and original pixels."""

EXTRACTOR_VERSION = "extract-9"  # stored with every figure: a new version re-extracts every PDF
