"""lineage room."""
