"""chip."""
