# Compiler or linker flags for libvictimcount (src/Makevars runs this at
# build time: sh ../tools/vcflags.sh cflags|libs).  The built source tree
# named by VICTIMCOUNT_HOME (its headers; the library in
# VICTIMCOUNT_LIBDIR, by default its build/, with an rpath so the package
# loads it from there), else an installed library through pkg-config.
if [ -n "$VICTIMCOUNT_HOME" ]; then
  LIBDIR=${VICTIMCOUNT_LIBDIR:-$VICTIMCOUNT_HOME/build}
  if [ ! -f "$LIBDIR/libvictimcount.so" ]; then
    echo "victimcount: no $LIBDIR/libvictimcount.so (run make in $VICTIMCOUNT_HOME)" >&2
    exit 1
  fi
  case "$1" in
    cflags) echo "-I$VICTIMCOUNT_HOME `pkg-config --cflags gsl 2>/dev/null`" ;;
    libs) echo "-L$LIBDIR -Wl,-rpath,$LIBDIR -lvictimcount `pkg-config --libs gsl 2>/dev/null`" ;;
  esac
elif pkg-config --exists victimcount 2>/dev/null; then
  case "$1" in
    cflags) pkg-config --cflags victimcount ;;
    libs) pkg-config --libs victimcount ;;
  esac
else
  echo "victimcount: libvictimcount not found: run make install, or set VICTIMCOUNT_HOME to a built source tree" >&2
  exit 1
fi
