"""Synthetic scans of real judgment text for OCR tests and benchmarks (see generate.py)."""
