# -*- coding: utf-8 -*-
# Copyright: 2026 zvfio developers
# MIT License (see the LICENSE file of the collection or https://opensource.org/licenses/MIT)
"""The options every zvfio.zvfio module takes: zvfio's global options."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Documentation of zvfio's global options as module options."""

    DOCUMENTATION = r'''
options:
  root:
    description:
      - Read (and, for M(zvfio.zvfio.passthrough), write) every host file below this
        directory, as C(zvfio --root) does (zvfio(8)), for example a fixture tree made
        for tests or a copy of a host's sysfs.
      - Left out, zvfio uses C(ZVFIO_ROOT) of the module's environment, else C(/).
    type: path
  connect:
    description:
      - The libvirt connection URI, as C(zvfio --connect) (and C(virsh -c)).
      - Left out, libvirt's default URI (C(LIBVIRT_DEFAULT_URI), else what libvirt picks).
      - A URI naming another host is refused by C(zvfio export) and C(zvfio apply);
        run the module on that host instead.
    type: str
  connect_timeout:
    description:
      - Seconds a libvirt connection may take to open (C(zvfio --connect-timeout));
        C(0) waits without a deadline. Left out, zvfio's default (30).
    type: int
  executable:
    description:
      - The zvfio program to run on the managed node.
      - Left out, C(zvfio) is looked up in C(PATH) (and C(/usr/sbin), C(/usr/local/bin)).
    type: path
requirements:
  - zvfio on the managed node (the Debian package C(zvfio), or a build of it)
notes:
  - The modules are thin, they run the host's zvfio and report what it prints;
    zvfio(8) describes the commands, their JSON and their exit codes.
'''
