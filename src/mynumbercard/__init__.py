"""mynumbercard: Japan's Individual Number Card system."""

__version__ = "0.1.0"
