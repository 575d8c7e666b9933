"""One module per dashboard view; each page is a small data-access function plus a template."""
