#!/bin/sh
# clone.sh: `make test` as a new user gets it (run by `make test-clone`
# and by .ci/run).  The committed HEAD of this repository is cloned alone
# into an empty temporary directory: no sibling directories, no build
# products, no VC_REFDATA, nothing uncommitted, so a test or a build
# step that reads a path outside the repository, or a file that was
# never committed, fails here.
set -eu
head=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    echo "clone check: uncommitted changes are not part of this check" >&2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vc-clone.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
git clone --quiet --no-checkout "$(pwd)" "$tmp/victimcount"
cd "$tmp/victimcount"
git checkout --quiet --detach "$head"
echo "clone check: $head in $tmp/victimcount (alone in its directory)"
# The variables that point the tests elsewhere are cleared; MAKEFLAGS
# and MAKELEVEL too, so this is the make of someone typing `make test`.
env -u VC_REFDATA -u VC_CLI -u VC_MPI_CLI -u MAKEFLAGS -u MAKELEVEL \
    -u MFLAGS make -j"$(nproc)" test
echo "clone check: ok"
