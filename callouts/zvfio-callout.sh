#!/bin/sh
# zvfio-callout wrapper for mdevctl <= 1.2 (Debian 12), which runs callouts only
# from /etc/mdevctl.d/scripts.d/callouts. It passes its arguments on unchanged
# to the installed binary; without the binary it says "not my device type" (2).
bin='@CALLOUT_BIN@'
[ -x "$bin" ] || exit 2
exec "$bin" "$@"
