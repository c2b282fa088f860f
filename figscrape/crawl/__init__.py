"""The crawl stage: medRxiv and bioRxiv metadata from their API, then the PDFs, politely."""
