"""pip install bindings/python: the pure-Python module over an installed
libvictimcount (make install), found by the dynamic linker, or the one
named by VICTIMCOUNT_LIB.  Needs only Debian's setuptools, no network."""
from setuptools import setup

setup(
    name="victimcount",
    version="0.5.0",
    description="Multiple-systems estimation over libvictimcount",
    packages=["victimcount"],
    python_requires=">=3.9",
    install_requires=[],
    extras_require={"numpy": ["numpy"], "pandas": ["pandas"]},
    license="see LICENSE of the victimcount repository",
)
