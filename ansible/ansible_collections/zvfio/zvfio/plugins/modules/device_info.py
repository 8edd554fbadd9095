#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: 2026 zvfio developers
# MIT License (see the LICENSE file of the collection or https://opensource.org/licenses/MIT)
"""zvfio.zvfio.device_info: what an IBM Z KVM host has for passthrough, read with
the host's zvfio (list, domains, export, check), changing nothing."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: device_info
short_description: Read the passthrough devices, domains and rule verdicts of an IBM Z KVM host
version_added: 0.1.0
description:
  - Runs the managed node's zvfio (zvfio(8)) and returns what it prints as JSON,
    changing nothing on the host.
  - The inventory is C(zvfio list --json) (subchannels, ccw devices, mdevs, mdevctl
    definitions, zPCI functions), the domains C(zvfio domains --json) (the vfio-ccw
    and zPCI host devices each libvirt domain uses), the state C(zvfio export) (the
    passthroughs of the host as a document for M(zvfio.zvfio.passthrough)).
  - Rule verdicts are C(zvfio check ID --op OP --json) for each of I(check_devices)
    and C(zvfio check --domain NAME --json) for each of I(check_domains), the same
    rules zvfio and its libvirt hook apply before they change anything.
    A verdict that refuses (zvfio's exit code 3) is a result, not a failure of the
    module.
  - Any other failure of zvfio (an unknown device, an unreachable libvirt, a host
    fact that cannot be read) fails the module with zvfio's own message.
author:
  - zvfio developers (@zvfio)
options:
  gather:
    description:
      - What to read.
      - C(inventory) runs C(zvfio list --json) and needs nothing but sysfs.
      - C(domains) runs C(zvfio domains --json) and C(state) runs C(zvfio export);
        both connect to libvirt (I(connect)).
    type: list
    elements: str
    choices: [inventory, domains, state]
    default: [inventory, domains]
  check_devices:
    description:
      - Device IDs to run the rules on, one C(zvfio check) each; any ID zvfio accepts
        (C(0.0.1234), C(sch:0.0.0313), C(fid:0x1f), a PCI address, an mdev UUID, a
        libvirt node-device name).
    type: list
    elements: str
    default: []
  check_op:
    description:
      - The operation the devices of I(check_devices) are checked for
        (C(zvfio check --op)), one of C(check), C(define), C(start), C(attach) and
        C(prepare); zvfio refuses other names.
    type: str
    default: check
  check_domains:
    description:
      - libvirt domains whose host devices are checked as zvfio's libvirt hook checks
        them when the domain starts (C(zvfio check --domain NAME)).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - zvfio.zvfio.zvfio
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module never changes anything; it runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: zvfio.zvfio.passthrough
'''

EXAMPLES = r'''
- name: Read the inventory and which domain uses which device
  zvfio.zvfio.device_info:
  register: zv

- name: Show the devices each domain holds
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.hostdevs | map(attribute='devno', default='-') | list }}"
  loop: "{{ zv.domains }}"

- name: Would these DASDs pass the rules for prepare, and would guest1 start?
  zvfio.zvfio.device_info:
    gather: []
    check_devices: [0.0.1234, 0.0.1235]
    check_op: prepare
    check_domains: [guest1]
  register: verdicts

- name: Stop unless every verdict is ok
  ansible.builtin.assert:
    that: verdicts.verdicts | rejectattr('ok') | list | length == 0
    fail_msg: "{{ verdicts.verdicts | rejectattr('ok') | map(attribute='violations') | flatten
                 | map(attribute='message') | list }}"

- name: The host's passthroughs as a document for zvfio.zvfio.passthrough
  zvfio.zvfio.device_info:
    gather: [state]
  register: now

- name: A fixture tree and libvirt's test driver instead of the real host
  zvfio.zvfio.device_info:
    root: /tmp/lpar
    connect: test:///tmp/lpar-libvirt.xml
'''

RETURN = r'''
inventory:
  description:
    - The object C(zvfio list --json) prints (schema
      C(/usr/share/zvfio/schemas/zvfio-list.schema.json)).
  returned: when I(gather) has C(inventory)
  type: dict
  contains:
    subchannels:
      description: Every subchannel of every subchannel set, with its ccw device, mdevs and mdevctl definitions.
      type: list
      elements: dict
      returned: always
    pci_functions:
      description: Every zPCI function with a PCI device.
      type: list
      elements: dict
      returned: always
    standby_functions:
      description: zPCI functions in standby (a hotplug slot with power 0 and no PCI device yet).
      type: list
      elements: dict
      returned: when the host has any
    warnings:
      description: Attributes zvfio could not parse (the device is still listed).
      type: list
      elements: str
      returned: always
  sample:
    subchannels:
      - id: 0.0.0103
        driver: io_subchannel
        device: {devno: 0.0.1003, online: false, driver: dasd-eckd}
        mdevs: []
    pci_functions: []
    warnings: []
domains:
  description:
    - The C(domains) array of C(zvfio domains --json), one entry per libvirt domain (running
      or not), with C(name), C(active), C(persistent) and C(hostdevs), each a vfio-ccw mdev
      (C(type), C(mdev), C(subchannel), C(devno), C(guest_devno), C(boot_order)) or a zPCI
      function (C(type), C(address), C(zpci_uid), C(zpci_fid), C(managed), C(boot_order)).
    - Warnings zvfio prints with it become warnings of the task.
  returned: when I(gather) has C(domains)
  type: list
  elements: dict
  sample:
    - name: guest1
      active: false
      persistent: true
      hostdevs:
        - type: vfio-ccw
          mdev: 8e37ee90-2b51-45e3-9b25-bf8283c03110
          subchannel: 0.0.0100
          devno: 0.0.1000
          guest_devno: fe.0.1000
          boot_order: null
state:
  description:
    - The host's passthroughs as C(zvfio export) prints them (schema
      C(schemas/zvfio-state.schema.json) in zvfio's source), a document M(zvfio.zvfio.passthrough) takes
      (I(passthroughs) and I(host)).
  returned: when I(gather) has C(state)
  type: dict
  sample:
    version: 1
    passthroughs:
      - {device: "ccw:0.0.1000", domain: guest1, mdev: 8e37ee90-2b51-45e3-9b25-bf8283c03110,
         persist: true, autostart: false, offline: deny, guest_devno: fe.0.1000}
    host: []
verdicts:
  description:
    - One verdict per entry of I(check_devices), then of I(check_domains), in that order.
    - Each is the object C(zvfio check --json) prints, C(ok) and C(violations) (each with
      C(rule), C(severity), C(device), C(message) and C(hint)), and what was checked,
      C(device) or C(domain), and C(op).
  returned: always
  type: list
  elements: dict
  sample:
    - device: 0.0.3001
      domain: null
      op: prepare
      ok: false
      violations:
        - rule: ccw.online
          severity: error
          device: 0.0.3001
          subchannel: 0.0.0201
          message: device 0.0.3001 is online in the host (driver dasd-eckd)
          hint: "stop using it and set it offline: chccwdev -d 0.0.3001 (...); or let
                 'zvfio prepare --offline 0.0.3001' do it"
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.zvfio.zvfio.plugins.module_utils.zvfio import (
    EXIT_OK, EXIT_RULE_VIOLATION, ZVFIO_COMMON_ARGS, Zvfio)


def verdict(zvfio, args, device, domain, op):
    """One C(zvfio check ... --json) as a verdict naming what it checked."""
    dummy, result = zvfio.json(['check'] + args + ['--json'],
                               ok_codes=(EXIT_OK, EXIT_RULE_VIOLATION))
    entry = dict(device=device, domain=domain, op=op)
    entry.update(result)
    return entry


def main():
    """Reads what the parameters ask for and exits with it."""
    argument_spec = dict(
        gather=dict(type='list', elements='str', default=['inventory', 'domains'],
                    choices=['inventory', 'domains', 'state']),
        check_devices=dict(type='list', elements='str', default=[]),
        check_op=dict(type='str', default='check'),
        check_domains=dict(type='list', elements='str', default=[]),
    )
    argument_spec.update(ZVFIO_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    zvfio = Zvfio(module)
    params = module.params
    result = dict(changed=False, verdicts=[])

    if 'inventory' in params['gather']:
        result['inventory'] = zvfio.json(['list', '--json'])[1]
    if 'domains' in params['gather']:
        domains = zvfio.json(['domains', '--json'])[1]
        result['domains'] = domains.get('domains', [])
        for warning in domains.get('warnings', []):
            module.warn('zvfio domains: %s' % warning)
    if 'state' in params['gather']:
        result['state'] = zvfio.json(['export'])[1]
    for device in params['check_devices']:
        result['verdicts'].append(verdict(zvfio, [device, '--op', params['check_op']],
                                          device, None, params['check_op']))
    for domain in params['check_domains']:
        result['verdicts'].append(verdict(zvfio, ['--domain', domain], None, domain, 'prepare'))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
