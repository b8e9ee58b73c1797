"""cards room."""
