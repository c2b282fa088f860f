"""The faces that chain the stages: the stage table, `figscrape run`, `inspect` of one PDF, the
demo and `status`."""
