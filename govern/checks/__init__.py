"""checks room."""
