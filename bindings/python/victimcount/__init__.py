"""victimcount: multiple-systems estimation from Python, over the C library
libvictimcount (the engine of the `victimcount` command).

    import victimcount as vc
    data = vc.read("Kosovo.csv")                  # or a pandas DataFrame
    for r in vc.estimate(data, methods=["chapman", "lcm"], seed=1):
        print(r["headline"])                     # the CLI's JSON fields
    r["draws"]["N"]                               # lcm: NumPy draws of N
    rows = vc.batch("central-asia.csv", strata=["country", "year"])

estimate() runs the library's calls as `victimcount estimate` does, with the
same defaults, so the same options and seed give the same numbers as
`victimcount estimate -f json`, whatever the number of threads; batch()
gives the rows of `victimcount batch`'s results.json.  Errors are
raised as VictimcountError with the library's status and message (which
names file, line and column for bad input).
"""
from ._lib import lib_path  # noqa: F401  (the library in use)
from ._api import (Dataset, VictimcountError, batch, estimate, methods,
                   read, validate, version)

__all__ = ["Dataset", "VictimcountError", "batch", "estimate", "methods",
           "read", "validate", "version"]
__version__ = version()
