#!/bin/sh
# mkman.sh CLI: write the victimcount(1) man page on standard output,
# from the --help of CLI and of each of its subcommands (run by `make
# man` and `make install`).  Each help text goes in verbatim, between
# the markers `.\" help: COMMAND` and `.fi`, so tests/install/check.sh can
# read it back and compare it with --help: the page cannot drift from
# the program.
set -eu
cli=${1:?usage: mkman.sh path/to/victimcount}
commands="estimate validate batch simulate encode link serve admin"

# Verbatim troff: backslashes, minus signs and control characters at the
# start of a line escaped.
verbatim() {
    printf '.nf\n'
    sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    printf '.fi\n'
}

version=$("$cli" --version | sed -n 's/^victimcount //p')
[ -n "$version" ] || { echo "mkman.sh: $cli --version gave no version" >&2; exit 1; }

cat <<HEAD
.\\" victimcount(1), written by dist/mkman.sh from the --help texts of
.\\" victimcount $version: edit the help texts in cli/, not this page.
.TH VICTIMCOUNT 1 "" "victimcount $version" "User Commands"
.SH NAME
victimcount, victimcount\\-mpi \\- estimate how many people there are in
all, seen and unseen, from overlapping lists (multiple\\-systems estimation)
.SH SYNOPSIS
.B victimcount
.I COMMAND
.RI [ OPTIONS ]
.I FILE
.br
.B mpirun
.RI [ MPI-OPTIONS ]
.B victimcount\\-mpi batch
.I FILE
.B \\-\\-out
.I DIR
.RI [ OPTIONS ]
.SH DESCRIPTION
HEAD
printf '.\\" help: victimcount\n'
"$cli" --help | verbatim
printf '.SH COMMANDS\n'
for c in $commands; do
    printf '.SS "victimcount %s"\n' "$c"
    printf '.\\" help: %s\n' "$c"
    "$cli" "$c" --help | verbatim
done
cat <<'TAIL'
.SH MPI
.B victimcount\-mpi
is the same program built with Open MPI: under
.BR mpirun ,
its
.B batch
command takes the options of
.B victimcount batch
and spreads the (stratum, method) units over the ranks; rank 0
schedules and writes, the results are the bytes of
.B victimcount batch
for any number of ranks.
.SH SEE ALSO
.BR mpirun (1),
and README.md of the source distribution: input formats, methods,
references.
TAIL
