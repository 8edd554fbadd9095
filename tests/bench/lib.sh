# Helpers shared by the bench scripts (sourced, after $work is set).

# need TOOL...: stop with a message when a tool the figures come from is missing
# (tools/setup.sh installs them): a missing one must not print empty columns
need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (tools/setup.sh installs it)" >&2; exit 1; }
  done
}
# us CMD...: wall time of one run of CMD in microseconds (output dropped)
us() {
  local t0 t1
  t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 ))
}
# median of the numbers on stdin, µs -> ms
median() { sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'; }
# syscalls per subchannel of CMD... on N subchannels (strace -c -f, start-up included)
syscalls() {
  local n=$1; shift
  strace -f -c -o "$work/sc" "$@" >/dev/null 2>&1
  awk -v n="$n" '/ total$/ {printf "%.1f", $4 / n}' "$work/sc"
}
