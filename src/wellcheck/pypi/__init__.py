"""PyPI project metadata: the JSON API behind a small interface, with a local store."""
