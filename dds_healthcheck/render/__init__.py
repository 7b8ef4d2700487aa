"""Renderers: they turn a finished report into text and do nothing else."""
