#!/bin/sh
# check.sh: `make install` checked as a user of the library would find it
# (run by `make test-install`, part of `make test`, from the repository
# root).  Into a temporary PREFIX, then a temporary DESTDIR:
#   - exactly the expected files are installed (no internal header);
#   - the shared library has its soname and exports only vc_ names;
#   - every installed header compiles on its own and declares only vc_ /
#     VC_ names;
#   - tests/install/example.c builds with `pkg-config --cflags --libs
#     victimcount` (shared, and static with --static), runs, and
#     reproduces the published figures it checks;
#   - the man page holds the current --help of every subcommand;
#   - `make uninstall` leaves nothing behind.
set -eu
MAKE=${MAKE:-make}
BUILD=${BUILD:-build}
CC=${CC:-cc}
root=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vc-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() {
    echo "install check: FAILED: $*" >&2
    exit 1
}
step() {
    echo "install check: $*"
}

version=$(sed -n 's/^#define VC_VERSION "\([^"]*\)".*/\1/p' core/vc_core.h)
major=${version%%.*}
# The public headers, as the Makefile's PUBLIC_HEADERS: every
# MODULE/vc_*.h; the umbrella header must include each of them.
headers=$(LC_ALL=C ls */vc_*.h)
for h in $headers; do
    grep -q "^#include \"$h\"\$" dist/victimcount.h \
        || fail "dist/victimcount.h does not include $h"
done

# The files an installation must hold, relative to PREFIX, sorted.
expected() {
    {
        for h in $headers; do
            echo "include/victimcount/$h"
        done
        echo include/victimcount/victimcount.h
        echo bin/victimcount
        echo bin/victimcount-mpi
        echo lib/libvictimcount.a
        echo lib/libvictimcount.so
        echo "lib/libvictimcount.so.$major"
        echo "lib/libvictimcount.so.$version"
        echo lib/pkgconfig/victimcount.pc
        echo share/man/man1/victimcount.1
        echo share/man/man1/victimcount-mpi.1
    } | LC_ALL=C sort
}
installed() {
    (cd "$1" && find . -type f -o -type l) | sed 's|^\./||' | LC_ALL=C sort
}

make_quiet() {
    if ! $MAKE --no-print-directory "$@" BUILD="$BUILD" LDCONFIG=true \
         > "$tmp/make.log" 2>&1; then
        cat "$tmp/make.log" >&2
        fail "make $*"
    fi
}

# ------------------------------------------------------------ a PREFIX
prefix=$tmp/prefix
step "make install PREFIX=$prefix"
make_quiet install PREFIX="$prefix"
expected > "$tmp/want"
installed "$prefix" > "$tmp/got"
diff -u "$tmp/want" "$tmp/got" || fail "installed files differ (above)"

lib=$prefix/lib
soname=$(readelf -d "$lib/libvictimcount.so.$version" |
         sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$soname" = "libvictimcount.so.$major" ] || fail "soname is '$soname'"
[ "$(readlink "$lib/libvictimcount.so.$major")" = \
  "libvictimcount.so.$version" ] || fail "libvictimcount.so.$major link"
[ "$(readlink "$lib/libvictimcount.so")" = "libvictimcount.so.$major" ] \
    || fail "libvictimcount.so link"
nm -D --defined-only "$lib/libvictimcount.so.$version" |
    awk '{ print $NF }' | grep -v '^vc_' > "$tmp/exports" || true
[ ! -s "$tmp/exports" ] || {
    cat "$tmp/exports" >&2
    fail "libvictimcount.so exports names without vc_ (above)"
}

export PKG_CONFIG_PATH="$lib/pkgconfig"
[ "$(pkg-config --modversion victimcount)" = "$version" ] \
    || fail "pkg-config --modversion victimcount"
cflags=$(pkg-config --cflags victimcount)
inc=$prefix/include/victimcount
strict="-std=c11 -Wall -Wextra -Werror -Wpedantic -Wshadow \
-Wstrict-prototypes -Wmissing-prototypes"

# Each header alone, so none relies on what another included first.
step "headers: each compiles alone; only vc_ and VC_ names"
for h in victimcount.h $headers; do
    printf '#include "%s"\n' "$h" |
        $CC $strict -fsyntax-only $cflags -x c - \
        || fail "include/victimcount/$h does not compile alone"
done

# Macros defined by our headers: VC_ only.
printf '#include <victimcount.h>\n' |
    $CC -std=c11 -E -dD $cflags -x c - |
    awk -v inc="$inc/" '
        /^# [0-9]+ "/ { f = $3; gsub(/"/, "", f); ours = index(f, inc) == 1
                        next }
        ours && $1 == "#define" { n = $2; sub(/\(.*/, "", n); print n }' |
    grep -v '^VC_' > "$tmp/macros" || true
[ ! -s "$tmp/macros" ] || {
    cat "$tmp/macros" >&2
    fail "installed headers define macros without VC_ (above)"
}

# File-scope names (functions, objects, typedefs, tags, enum constants):
# every identifier our headers mention is declared again, as an int and
# as a union tag, one a line, after them, and again after only the
# system headers they include.  A line that fails only after our headers
# names something they declare (a struct or enum tag clashes with the
# union tag; only a union declared and never defined would pass).
for h in victimcount.h $headers; do
    $CC -fpreprocessed -dD -E "$inc/$h" 2>/dev/null
done | grep -v '^#' | sed 's/"[^"]*"//g' |
    grep -o '[A-Za-z_][A-Za-z0-9_]*' | LC_ALL=C sort -u |
    grep -v -E '^(vc_|VC_|__)' |
    grep -v -x -E 'auto|break|case|char|const|continue|default|do|double|else|enum|extern|float|for|goto|if|inline|int|long|register|restrict|return|short|signed|sizeof|static|struct|switch|typedef|union|unsigned|void|volatile|while|_Bool|_Complex|_Alignas|_Alignof|_Atomic|_Generic|_Noreturn|_Static_assert|_Thread_local|asm|typeof|defined' \
    > "$tmp/idents" || true
sys=$(grep -h '^#include <' "$inc"/*.h "$inc"/*/*.h | LC_ALL=C sort -u)
for which in ours sys; do
    {
        if [ "$which" = ours ]; then
            echo '#include <victimcount.h>'
        else
            echo "$sys"
        fi
        echo '#line 1 "probe"'
        awk '{ printf "int %s; union %s { int vc_probe; };\n", $1, $1 }' \
            "$tmp/idents"
    } > "$tmp/probe-$which.c"
    $CC -std=c11 -fsyntax-only -fmax-errors=0 $cflags \
        "$tmp/probe-$which.c" 2>&1 |
        sed -n 's/^probe:\([0-9]*\):[0-9]*: error:.*/\1/p' |
        LC_ALL=C sort -u > "$tmp/errors-$which"
done
comm -23 "$tmp/errors-ours" "$tmp/errors-sys" |
    while read -r n; do sed -n "${n}p" "$tmp/idents"; done > "$tmp/names"
[ ! -s "$tmp/names" ] || {
    cat "$tmp/names" >&2
    fail "installed headers declare names without vc_ (above)"
}
[ "$(wc -l < "$tmp/idents")" -gt 50 ] || fail "too few identifiers probed"

step "example program through pkg-config (shared)"
$CC $strict "$root/tests/install/example.c" -o "$tmp/example" \
    $(pkg-config --cflags --libs victimcount) || fail "shared build"
readelf -d "$tmp/example" | grep -q "NEEDED.*\[libvictimcount.so.$major\]" \
    || fail "example does not load libvictimcount.so.$major"
LD_LIBRARY_PATH=$lib "$tmp/example" "$root/data/reference" \
    || fail "example (shared)"

step "example program through pkg-config --static"
libs=$(pkg-config --static --libs victimcount |
       sed "s|-lvictimcount|$lib/libvictimcount.a|")
$CC $strict "$root/tests/install/example.c" -o "$tmp/example-static" \
    $(pkg-config --cflags victimcount) $libs || fail "static build"
if readelf -d "$tmp/example-static" | grep -q 'NEEDED.*libvictimcount'; then
    fail "the static example loads libvictimcount.so"
fi
"$tmp/example-static" "$root/data/reference" > /dev/null \
    || fail "example (static)"

step "installed binaries and the man page against --help"
[ "$("$prefix/bin/victimcount" --version)" = "victimcount $version" ] \
    || fail "bin/victimcount --version"
"$prefix/bin/victimcount-mpi" --help > /dev/null \
    || fail "bin/victimcount-mpi --help"
page=$prefix/share/man/man1/victimcount.1
# The commands --help lists: indented names under "Commands:".
commands=$("$prefix/bin/victimcount" --help | awk '
    /^Commands:/ { on = 1; next }
    on && /^$/ { exit }
    on && /^  [a-z]/ { print $1 }')
[ -n "$commands" ] || fail "no commands found in victimcount --help"
for c in victimcount $commands; do
    if [ "$c" = victimcount ]; then
        "$prefix/bin/victimcount" --help > "$tmp/help"
    else
        "$prefix/bin/victimcount" "$c" --help > "$tmp/help"
    fi
    awk -v m=".\\\\\" help: $c" '
        $0 == m { on = 1; next }
        on && $0 == ".nf" { next }
        on && $0 == ".fi" { exit }
        on { print }' "$page" |
        sed -e 's/^\\&//' -e 's/\\-/-/g' -e 's/\\e/\\/g' > "$tmp/inpage"
    [ -s "$tmp/inpage" ] || fail "victimcount(1) has no help of '$c'"
    diff -u "$tmp/help" "$tmp/inpage" ||
        fail "victimcount(1) differs from the --help of '$c' (above)"
done
if command -v groff > /dev/null 2>&1; then
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
    [ -z "$warnings" ] || fail "groff: $warnings"
fi

step "make uninstall PREFIX=$prefix"
make_quiet uninstall PREFIX="$prefix"
left=$(installed "$prefix")
[ -z "$left" ] || fail "left after uninstall: $left"
[ ! -e "$prefix/include/victimcount" ] || fail "include/victimcount left"

# ------------------------------------------------------------ a DESTDIR
stage=$tmp/stage
step "make install DESTDIR=$stage PREFIX=/usr"
make_quiet install DESTDIR="$stage" PREFIX=/usr
[ "$(ls -A "$stage")" = usr ] || fail "DESTDIR holds more than usr/"
installed "$stage/usr" > "$tmp/got"
diff -u "$tmp/want" "$tmp/got" || fail "staged files differ (above)"
grep -qx 'prefix=/usr' "$stage/usr/lib/pkgconfig/victimcount.pc" \
    || fail "victimcount.pc does not name prefix /usr"
make_quiet uninstall DESTDIR="$stage" PREFIX=/usr
left=$(installed "$stage")
[ -z "$left" ] || fail "left after uninstall: $left"
# The .pc of the build tree again names the default prefix.
rm -f "$BUILD/victimcount.pc"
step "ok"
