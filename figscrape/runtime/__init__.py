"""What every stage runs on, knowing no stage: run records and progress, worker processes and Dask,
the isolated child for untrusted PDFs, pixel decoding and encoding, file sniffing, CSV/XLSX tables."""
