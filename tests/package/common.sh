# Shared by tests/package/*.sh (sourced; needs $work and a log function).

# Installs the missing ones of PACKAGE... (one retry after apt-get update); apt's
# output goes to $work/apt-host.log.
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' \
            || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    log "installing ${missing[*]}"
    local apt=(apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends)
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" "${missing[@]}" >>"$work/apt-host.log" 2>&1 \
        || { apt-get -o DPkg::Lock::Timeout=900 update -q >>"$work/apt-host.log" 2>&1 \
             && DEBIAN_FRONTEND=noninteractive "${apt[@]}" "${missing[@]}" >>"$work/apt-host.log" 2>&1; } \
        || { tail -n 30 "$work/apt-host.log" >&2; return 1; }
}

# Copies the source tree SRC to DEST (a new directory): in a git work tree what git
# knows of (tracked and new, not ignored, not deleted), so no build directories.
copy_source() {
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
