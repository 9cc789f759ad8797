"""What the API and the workers call: intake, processing stages, records, indexing, similar-case
queries, exports and renders. Services combine the stages (ocr, extraction, search, similarity)
over the data pool (models); they never import the queue (workers) or the API."""
