"""Reports: tables, plots, progress."""
