"""Reads of grants data that cross relations, one module per family."""
