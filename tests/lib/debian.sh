# Shell helpers shared by the test tiers that work with Debian itself (sourced):
# tests/fresh, tests/package and tests/vm. Each script names its own packages;
# these functions only say how a package, an apt source or a checkout is handled.

# Fills the array apt_sources with this machine's enabled apt source files (what
# mmdebstrap is given, and what cache keys hash); returns 1 when there is none.
zv_apt_sources() {
    apt_sources=()
    [[ -s /etc/apt/sources.list ]] && grep -q '^[[:space:]]*deb' /etc/apt/sources.list \
        && apt_sources+=(/etc/apt/sources.list)
    local f
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -s $f ]] && apt_sources+=("$f")
    done
    ((${#apt_sources[@]}))
}

# Installs those of PACKAGE... that are missing, without recommends and waiting
# for another apt to finish; refreshes the package lists once if that fails.
# apt's output goes to $ZV_APT_LOG (default /tmp/zvfio-apt.log), its tail to
# stderr on failure.
zv_apt_install() {
    local log=${ZV_APT_LOG:-/tmp/zvfio-apt.log} missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' \
            || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    echo "apt: installing ${missing[*]}" >&2
    local apt=(apt-get -o DPkg::Lock::Timeout=900)
    local install=("${apt[@]}" install -y -q --no-install-recommends "${missing[@]}")
    DEBIAN_FRONTEND=noninteractive "${install[@]}" >>"$log" 2>&1 \
        || { "${apt[@]}" update -q >>"$log" 2>&1 && DEBIAN_FRONTEND=noninteractive "${install[@]}" >>"$log" 2>&1; } \
        || { tail -n 30 "$log" >&2; return 1; }
}

# Copies the source tree FROM to TO (a new directory): in a git work tree what git
# knows of (tracked and new, not ignored, not deleted), so no build directories.
zv_copy_checkout() {
    local from=$1 to=$2
    mkdir -p "$to"
    if git -C "$from" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$from" ls-files -z --cached --others --exclude-standard \
            | (cd "$from" && while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done) \
            | tar -C "$from" --null -T - -cf - | tar -C "$to" -xf -
    else
        tar -C "$from" --exclude='./build*' --exclude=./.git --exclude='./obj-*' -cf - . | tar -C "$to" -xf -
    fi
}
