# Timing line of issue 13: the real lscss against zvfio list ccw on a generated
# host tree (tests/bench/gen-host.py, built on the host into the overlay), both
# inside the emulated mainframe. Speed is reported, not asserted; the rows must agree.
. /usr/lib/zvfio-vm/lib.sh
need_cmd list
TREE_TGZ=/var/lib/zvfio-vm/bench-host.tar.gz
[ -f $TREE_TGZ ] || skip "no generated bench tree in the image"
ROUNDS=${ZV_BENCH_ROUNDS:-3}
AWK=$(command -v awk || command -v gawk) || skip "no awk in the image"
step "unpack the generated host tree"
rm -rf $ZV_WORK/bench && mkdir -p $ZV_WORK/bench
tar -xzf $TREE_TGZ -C $ZV_WORK/bench || fail "cannot unpack $TREE_TGZ"
T=$ZV_WORK/bench/root
n=$(ls $T/sys/bus/css/devices | wc -l)
step "rows: lscss and zvfio list ccw name the same subchannels ($n in the tree)"
SYSFS_ROOT=$T/sys lscss > $ZV_WORK/lscss.out 2>&1 || fail "lscss on the tree failed: $(tail -n 2 $ZV_WORK/lscss.out)"
zvfio --root $T list ccw > $ZV_WORK/list.out 2>&1 || fail "zvfio list ccw failed: $(tail -n 2 $ZV_WORK/list.out)"
l_sch=$($AWK '$2 ~ /^0\.[0-3]\.[0-9a-f][0-9a-f][0-9a-f][0-9a-f]$/ {print $2}' $ZV_WORK/lscss.out | sort)
z_sch=$(grep -Eo '\b0\.[0-3]\.[0-9a-f]{4}\b' $ZV_WORK/list.out | sort -u)
l_rows=$(printf '%s\n' "$l_sch" | grep -c .)
[ "$l_rows" -eq "$n" ] || fail "lscss shows $l_rows subchannels of $n"
missing=$(comm -23 <(printf '%s\n' "$l_sch") <(printf '%s\n' "$z_sch") | head -n 3)
[ -z "$missing" ] || fail "zvfio list ccw lacks subchannels lscss shows: $missing"
step "interleaved timings ($ROUNDS rounds)"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
lt=(); zt=()
for i in $(seq $ROUNDS); do
    t0=$(now_ms); SYSFS_ROOT=$T/sys lscss >/dev/null 2>&1; t1=$(now_ms)
    zvfio --root $T list ccw >/dev/null 2>&1; t2=$(now_ms)
    lt+=($((t1 - t0))); zt+=($((t2 - t1)))
    note "round $i: lscss $((t1 - t0)) ms, zvfio list ccw $((t2 - t1)) ms"
done
median() { printf '%s\n' "$@" | sort -n | $AWK '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
lm=$(median "${lt[@]}"); zm=$(median "${zt[@]}")
ratio=$($AWK -v z=$zm -v l=$lm 'BEGIN { printf "%.2f", (l > 0 ? z / l : 0) }')
echo "timing: $n subchannels, median of $ROUNDS: lscss $lm ms, zvfio list ccw $zm ms, list/lscss $ratio"
pass "timing: $n subchannels, lscss $lm ms, zvfio list ccw $zm ms (x$ratio), same subchannels"
