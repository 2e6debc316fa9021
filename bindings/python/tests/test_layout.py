"""The ctypes structs of victimcount/_lib.py against the C headers: a probe
compiled from the headers prints every struct's size and every field's
offset, and each must equal what ctypes computes; so must the flags the
package tests bit by bit."""
import ctypes
import os
import shutil
import subprocess

import pytest

from victimcount import _lib as L
from conftest import ROOT


def test_struct_layouts(tmp_path):
    cc = shutil.which(os.environ.get("CC", "cc"))
    header = os.path.join(ROOT, "models", "vc_dga.h")
    if cc is None or not os.path.exists(header):
        pytest.skip("no C compiler or no source tree")
    lines = ['#include <stddef.h>', '#include <stdio.h>',
             '#include "estimators/vc_loglin.h"',
             '#include "models/vc_models.h"', '#include "models/vc_dga.h"',
             '#include "batch/vc_batch.h"',
             '#include "models/vc_ppc.h"',
             'int main(void) {']
    want = {}
    for name, value in L.FLAGS.items():
        lines.append('printf("%s %%u\\n", %s);' % (name, name))
        want[name] = value
    for cname, st in L.STRUCTS.items():
        lines.append('printf("%s %%zu\\n", sizeof(%s));' % (cname, cname))
        want[cname] = ctypes.sizeof(st)
        for f in st._fields_:
            lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));'
                         % (cname, f[0], cname, f[0]))
            want["%s.%s" % (cname, f[0])] = getattr(st, f[0]).offset
    lines.append("return 0; }")
    src = tmp_path / "probe.c"
    src.write_text("\n".join(lines))
    flags = subprocess.run(["pkg-config", "--cflags", "gsl"],
                           capture_output=True, text=True).stdout.split()
    exe = tmp_path / "probe"
    subprocess.run([cc, "-std=c11", "-I", ROOT] + flags
                   + [str(src), "-o", str(exe)], check=True)
    got = dict(line.split() for line in
               subprocess.run([str(exe)], capture_output=True, text=True,
                              check=True).stdout.splitlines())
    assert {k: int(v) for k, v in got.items()} == want
