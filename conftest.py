"""Loaded by pytest before anything is collected, for ``tests/`` and for the doctests of
``ebtricks/`` alike: training runs print a progress line once they take a couple of
seconds (on a busy machine even a doctest's does), which would break a doctest's
expected output. Not in tests."""
import os

os.environ.setdefault("EBTRICKS_PROGRESS", "0")
