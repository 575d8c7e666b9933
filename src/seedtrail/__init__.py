"""seedtrail: shoppable links for content communities, with honest attribution."""

__version__ = "0.1.0"
