. /usr/lib/zvfio-vm/lib.sh
step "runner self-test: this scenario hangs and must be killed by the in-guest timeout"
sleep 1000
