"""Where the tests find the reference tables and the CLI: the source tree
this module sits in (bindings/python/tests -> the repository root), or
VC_REFDATA and VC_CLI."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))


def ref(name):
    base = os.environ.get("VC_REFDATA",
                          os.path.join(ROOT, "data", "reference"))
    return os.path.join(base, name)


@pytest.fixture
def cli():
    path = os.environ.get("VC_CLI", os.path.join(ROOT, "build",
                                                 "victimcount"))
    if not os.access(path, os.X_OK):
        pytest.skip("no victimcount CLI at %s" % path)
    return path
