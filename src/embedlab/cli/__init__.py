"""Command-line interface (thin: calls the public API)."""
