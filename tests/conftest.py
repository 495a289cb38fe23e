import importlib.util

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_run_py():
    """run.py holds the book-build command; tests use the very same command."""
    spec = importlib.util.spec_from_file_location("ebt_run", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
