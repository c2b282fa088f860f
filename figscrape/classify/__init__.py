"""The classify stage: a CT-likeness score for every panel, so people only review likely CTs."""
