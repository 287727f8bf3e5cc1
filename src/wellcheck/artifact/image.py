"""Container images: docker-save tarballs and OCI image layouts (being written)."""
