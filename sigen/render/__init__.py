"""Back ends: each turns a plan into files, ``render(...) -> dict[relative path, bytes]``."""
