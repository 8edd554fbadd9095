#!/usr/bin/env bash
# zvfio developer entry point: installs what is needed (Debian 12), builds, and
#   tools/setup.sh demo    runs the main job on the bundled demo LPAR tree
#   tools/setup.sh test    runs the whole test suite (unit, integration,
#                          sanitizers, emulated mainframe); what .ci/run calls
#   tools/setup.sh build   only installs and builds
# Environment: ZVFIO_SKIP_VM=1 skips the emulated-mainframe tier,
#              ZVFIO_SKIP_FRESH=1 skips the fresh-machine check (a clean chroot),
#              ZVFIO_SKIP_PACKAGE=1 skips the Debian package test,
#              ZVFIO_SKIP_FUZZ=1 skips the fuzz runs (60 s per harness) and
#                only checks that clang builds a libFuzzer+ASan binary,
#              ZVFIO_SKIP_VALGRIND=1 skips the valgrind memcheck runs and only
#                checks that valgrind runs zvfio cleanly,
#              ZVFIO_SKIP_SANITIZE_PYTEST=1 runs only the unit tests of the
#                ASan/UBSan build, not the integration tests against it,
#              ZVFIO_SKIP_INSTALL=1 skips apt-get.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mode=${1:-demo}

# Debian packages needed to build zvfio and run its unit and integration tests.
packages=(
  gcc meson ninja-build pkg-config
  libglib2.0-dev libjson-glib-dev libxml2-dev libvirt-dev
  libxml2-utils libvirt-clients libvirt0 mdevctl driverctl util-linux
  python3 python3-pytest python3-libvirt python3-jsonschema strace groff man-db bash-completion binutils
  virtinst
  # fuzz tier (tests/fuzz/run-fuzzers.sh: libFuzzer's runtime is in libclang-rt),
  # valgrind tier (tests/valgrind/run.sh, parallel pytest)
  clang libclang-rt-14-dev valgrind python3-pytest-xdist
  # benchmark smoke (tests/bench/bench.sh: peak RSS with /usr/bin/time, ratios with bc)
  time bc
  # the Ansible collection (tests/integration/test_ansible.py, docs/ansible.md): ansible-core,
  # and what ansible-test sanity runs offline, from Debian instead of PyPI
  ansible-core python3-venv pylint yamllint python3-pycodestyle python3-voluptuous
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  [ "${ZVFIO_SKIP_INSTALL:-0}" = 1 ] && return 0
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing: ${missing[*]}"
  as_root apt-get -o DPkg::Lock::Timeout=900 update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" -Dwerror=true "$@"
  elif [ $# -gt 0 ]; then
    meson configure "$dir" "$@"
  fi
  meson compile -C "$dir"
}

# Runs pytest with Debian's python (it has pytest, libvirt and jsonschema).
run_pytest() {
  local rc=0
  /usr/bin/python3 -m pytest -rs "$@" || rc=$?
  [ $rc -eq 5 ] && { echo "pytest: no tests collected in $*" >&2; return 1; }
  return $rc
}

case "$mode" in
  build)
    install_packages
    build build
    ;;
  demo)
    install_packages
    build build >/dev/null
    echo "==> zvfio --root examples/demo-lpar list"
    build/src/zvfio/zvfio --root examples/demo-lpar list
    ;;
  test)
    install_packages
    echo "==> build (werror, fault injection for test_crash.py) and unit tests"
    build build -Dfault_injection=true
    meson test -C build --print-errorlogs
    echo "==> build without libvirt (-Dlibvirt=disabled: the CLI without attach/detach)"
    build build-nolibvirt -Dlibvirt=disabled >/dev/null
    echo "==> integration tests (pytest)"
    ZVFIO_BUILD_DIR="$repo/build" run_pytest -q tests/integration
    echo "==> benchmark smoke (docs/benchmarks.md has the full runs)"
    bench_cache=$(mktemp -d)
    ZVFIO_BENCH_CACHE="$bench_cache" tests/bench/bench.sh -n 1024 -r 1 --no-lscss -b build
    rm -rf "$bench_cache"
    echo "==> sanitizers (ASan+UBSan): unit and integration tests"
    build build-sanitize -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
      -Dfault_injection=true
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      meson test -C build-sanitize --print-errorlogs
    if [ "${ZVFIO_SKIP_SANITIZE_PYTEST:-0}" != 1 ]; then
      ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
        ZVFIO_BUILD_DIR="$repo/build-sanitize" run_pytest -q tests/integration
    else
      echo "==> sanitizer integration tests skipped (ZVFIO_SKIP_SANITIZE_PYTEST=1; unit tests ran)"
    fi
    if [ "${ZVFIO_SKIP_FUZZ:-0}" != 1 ]; then
      echo "==> fuzzing: every harness ${ZVFIO_FUZZ_SECONDS:-60} s (libFuzzer, ASan+UBSan, library instrumented)"
      ZVFIO_FUZZ_JOBS=${ZVFIO_FUZZ_JOBS:-2} tests/fuzz/run-fuzzers.sh "${ZVFIO_FUZZ_SECONDS:-60}"
    else
      echo "==> fuzzing skipped (ZVFIO_SKIP_FUZZ=1): checking the toolchain only"
      fuzz_check=$(mktemp -d)
      printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput (const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput (const uint8_t *d, size_t n) { (void) d; (void) n; return 0; }' \
        > "$fuzz_check/t.c"
      clang -fsanitize=fuzzer,address,undefined "$fuzz_check/t.c" -o "$fuzz_check/t"
      "$fuzz_check/t" -runs=100 >/dev/null 2>&1
      rm -rf "$fuzz_check"
    fi
    if [ "${ZVFIO_SKIP_VALGRIND:-0}" != 1 ]; then
      echo "==> valgrind memcheck: unit and integration tests"
      tests/valgrind/run.sh all
    else
      echo "==> valgrind skipped (ZVFIO_SKIP_VALGRIND=1): checking that it runs only"
      valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        build/src/zvfio/zvfio --root examples/demo-lpar list >/dev/null
      /usr/bin/python3 -c "import xdist"
    fi
    if [ "${ZVFIO_SKIP_PACKAGE:-0}" != 1 ]; then
      echo "==> Debian package: build, lintian, install and remove in a clean chroot"
      tests/package/test-deb.sh
    fi
    if [ "${ZVFIO_SKIP_FRESH:-0}" != 1 ]; then
      echo "==> fresh machine: the README's two commands in a clean Debian 12 chroot"
      tests/fresh/run.sh
    fi
    if [ "${ZVFIO_SKIP_VM:-0}" != 1 ]; then
      echo "==> emulated mainframe tier"
      tests/vm/run.sh
    fi
    ;;
  *)
    echo "usage: $0 demo|test|build" >&2
    exit 2
    ;;
esac
