"""The extract stage: every figure of a PDF with its caption, number, page, box and original pixels."""
