#!/bin/bash
# The state of the emulated KVM host that a passthrough and its reverse must leave
# as they found it, as plain text lines (tests/vm/test_vm_ansible.py compares the
# output before the first Ansible run with the output after the reverse):
#   usage: host-state.sh DOMAIN
# - every subchannel: driver, driver_override; every ccw device: online;
# - active mdevs; mdevctl definitions and driverctl overrides (with their content);
# - the domain's state and persistent XML (its checksum and hostdev lines);
# - whether dpkg knows zvfio, and every file zvfio's package or zvfio itself puts
#   on a host (its programs, callout, hook, udev rule, /run/zvfio, /run/lock/zvfio).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
domain=$1
for s in /sys/bus/css/devices/*; do
    drv=$(basename "$(readlink "$s/driver" 2>/dev/null)" 2>/dev/null)
    echo "subchannel ${s##*/} driver=${drv:-none} override=$(cat "$s/driver_override" 2>/dev/null)"
done
for c in /sys/bus/ccw/devices/*; do
    echo "ccw ${c##*/} online=$(cat "$c/online" 2>/dev/null)"
done
for m in /sys/bus/mdev/devices/*; do
    [ -e "$m" ] && echo "active mdev ${m##*/}"
done
for f in $(find /etc/mdevctl.d /etc/driverctl.d -type f 2>/dev/null | sort); do
    echo "file $f $(md5sum < "$f" | cut -d' ' -f1)"
done
echo "domain $domain $(virsh domstate "$domain" 2>&1 | head -n1)"
xml=$(virsh dumpxml --inactive "$domain" 2>&1)
echo "domain $domain xml $(printf '%s\n' "$xml" | md5sum | cut -d' ' -f1)"
printf '%s\n' "$xml" | grep -E "<hostdev|<address uuid" | sed 's/^ */domain hostdev /'
echo "dpkg zvfio: $(dpkg-query -W -f='${Status} ${Version}' zvfio 2>&1)"
for p in /usr/bin/zvfio /usr/libexec/zvfio /usr/share/zvfio /usr/share/doc/zvfio \
         /usr/lib/mdevctl/scripts.d/callouts/zvfio-callout \
         /etc/mdevctl.d/scripts.d/callouts/zvfio-callout /etc/libvirt/hooks/qemu.d/zvfio \
         /usr/lib/udev/rules.d/70-zvfio-devno-hint.rules /run/zvfio /run/lock/zvfio; do
    if [ -e "$p" ] || [ -L "$p" ]; then
        find "$p" | sort | sed 's/^/present /'
    else
        echo "absent $p"
    fi
done
