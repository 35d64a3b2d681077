"""Keeping an output folder in sync with its blueprint: the only stage that touches disk.

``writer`` (atomic, journaled writes; hand edits refused), ``manifest`` (what sigen wrote),
``lock`` (one build at a time), ``incremental`` (know a no-op without doing it), ``cache``
(the one cache of the incremental build), ``check`` (compare a folder with a render) and
``semdiff`` (the system summary that tells one revision from the next).
"""
