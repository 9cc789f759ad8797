"""Data files shipped with the extraction package (the criminal charge list)."""
