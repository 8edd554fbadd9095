#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS (default 60) each with clang,
# ASan and UBSan, starting from the checked-in corpus. New crashers land in
# build-fuzz/crash-*; add them to tests/fuzz/corpus/<target>/ once fixed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
cd "$repo"
# libFuzzer's runtime comes with clang's runtime package, not with clang
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q \
         --no-install-recommends "$p" >/dev/null
done
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
meson compile -C build-fuzz >/dev/null
for target in ids sysattr mdev-config domain; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/$target/* "$work"/
  echo "==> fuzz-$target for ${seconds}s"
  (cd build-fuzz && ./tests/fuzz/fuzz-$target -max_total_time="$seconds" -max_len=$((1024 * 1024 + 1)) \
     -print_final_stats=1 "$work" 2>&1 | grep -E "^(stat::number_of_executed_units|stat::new_units_added|==.*ERROR|SUMMARY|INFO: Loaded .* modules)" || true)
  rm -rf "$work"
done
