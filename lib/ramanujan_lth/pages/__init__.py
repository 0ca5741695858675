"""What a reader sees: altair charts and HTML tables."""
