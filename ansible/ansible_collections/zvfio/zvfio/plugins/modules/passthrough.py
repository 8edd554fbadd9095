#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: 2026 zvfio developers
# MIT License (see the LICENSE file of the collection or https://opensource.org/licenses/MIT)
"""zvfio.zvfio.passthrough: brings an IBM Z KVM host to a desired passthrough state
with the host's zvfio (zvfio apply), mapping its answer to changed, check and diff."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: passthrough
short_description: Bring the vfio-ccw and zPCI passthroughs of an IBM Z KVM host to a desired state
version_added: 0.1.0
description:
  - Writes I(passthroughs) and I(host) as a zvfio state document
    (C(schemas/zvfio-state.schema.json) in zvfio's source) and runs the managed node's
    C(zvfio apply - --json) with it (C(zvfio apply - --check --json) in check mode).
  - zvfio plans and runs each device's steps (prepare, define, attach for a passthrough;
    detach, stop, undefine, release for a device given back to the host), checking
    every step against its rules first; the module adds no logic of its own.
  - The task is C(changed) when zvfio says so (exit code 10; in check mode, when it
    would change something), and C(ok) when the host already is as the document says
    (exit code 0).
  - Any other exit code fails the task with zvfio's own message (a rule that refuses a
    step, an unknown device or domain, an invalid document). zvfio leaves a refused or
    failed device as it was and goes on with the others, so a failed task may still have
    changed other devices (C(changed) says so).
  - In diff mode the diff is the document's devices as C(zvfio export) shows them before
    and after the run (in check mode, as the plan would leave them), followed by the
    plan, each device's steps with what they do and their outcome.
author:
  - zvfio developers (@zvfio)
options:
  passthroughs:
    description:
      - Devices that must be passed through, each to one libvirt domain (the document's
        C(passthroughs)).
      - A member left out asks nothing of what exists and takes zvfio's default for what
        it creates.
    type: list
    elements: dict
    suboptions:
      device:
        description:
          - Any device ID zvfio accepts, for example C(0.0.1234), C(ccw:0.0.1234),
            C(sch:0.0.0313), C(fid:0x1f), a PCI address or a libvirt node-device name.
        type: str
        required: true
      domain:
        description: The libvirt domain whose persistent definition holds the device.
        type: str
        required: true
      mdev:
        description:
          - vfio-ccw only, the mdev UUID the domain's hostdev names.
          - Left out, the one the domain holds, else the subchannel's only vfio_ccw-io
            mdev, else a new one.
        type: str
      persist:
        description:
          - The vfio binding survives a reboot (a driverctl override, C(zvfio prepare --persist)).
          - C(false) does not remove an override that exists.
        type: bool
      autostart:
        description: vfio-ccw only, the mdev definition starts the mdev at boot (C(zvfio define --auto)).
        type: bool
      offline:
        description:
          - vfio-ccw only, whether zvfio may set an online ccw device offline to bind it
            (C(zvfio prepare --offline)). zvfio's default is C(deny).
        type: str
        choices: [allow, deny]
      managed:
        description: zPCI only, C(<hostdev managed='yes'>) (libvirt binds vfio-pci when the guest starts).
        type: bool
      guest_devno:
        description:
          - vfio-ccw only, the device number in the guest, C(fe.S.DDDD).
          - Left out, the host's device number if it is free in the domain, else the lowest free one.
        type: str
      zpci_uid:
        description: zPCI only, the function's uid in the guest.
        type: int
      zpci_fid:
        description: zPCI only, the function's fid in the guest.
        type: int
  host:
    description:
      - IDs of devices that must be back with the host (the document's C(host)),
        detached from every (shut off) domain, their mdevs stopped and undefined, the
        vfio binding and a driverctl override released.
      - A device may not be in both I(passthroughs) and I(host).
    type: list
    elements: str
extends_documentation_fragment:
  - zvfio.zvfio.zvfio
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: C(zvfio apply --check) plans every step and runs every rule, changing nothing.
  diff_mode:
    support: full
  platform:
    platforms: posix
notes:
  - zvfio runs mdevctl and driverctl and writes sysfs, so the task needs root
    (C(become)) on a real host.
  - A domain that runs is not changed (zvfio refuses to detach from it).
seealso:
  - module: zvfio.zvfio.device_info
'''

EXAMPLES = r'''
- name: Pass a DASD to guest1, persistently, with an autostart mdev
  zvfio.zvfio.passthrough:
    passthroughs:
      - device: 0.0.1234
        domain: guest1
        persist: true
        autostart: true
        offline: allow
  become: true

- name: An ISM function to guest2 with fixed guest ids, and a DASD back to the host
  zvfio.zvfio.passthrough:
    passthroughs:
      - {device: "fid:0x1f", domain: guest2, zpci_uid: 31, zpci_fid: 31}
    host: [0.0.1235]
  become: true

- name: Give everything back
  zvfio.zvfio.passthrough:
    host: [0.0.1234, "fid:0x1f"]
  become: true

- name: Apply what another host exported (zvfio.zvfio.device_info, gather state)
  zvfio.zvfio.passthrough:
    passthroughs: "{{ hostvars['kvm1'].zv.state.passthroughs }}"
  become: true
'''

RETURN = r'''
devices:
  description:
    - The C(devices) of C(zvfio apply --json), one per entry of the document (the
      I(host) list first, then I(passthroughs)).
    - Each has C(device), C(domain) (null for I(host)), C(target) (C(css-SUBCHANNEL),
      C(pci-ADDRESS)), C(status) (C(unchanged), C(planned), C(changed), C(refused),
      C(failed)), C(error) and C(steps) (C(step), C(status), C(detail), C(domain),
      C(mdev), C(allowed), C(violations), C(refusal), C(error)).
  returned: when zvfio read the document
  type: list
  elements: dict
  sample:
    - device: 0.0.3004
      domain: guest1
      target: css-0.0.0204
      status: changed
      error: null
      steps:
        - {step: prepare, status: done, detail: "bind device 0.0.3004 (subchannel 0.0.0204) to vfio_ccw", domain: null,
           mdev: null, allowed: true, violations: [], refusal: null, error: null}
before:
  description: The document's devices as C(zvfio export) shows them before the run.
  returned: when zvfio read the document
  type: dict
  sample: {version: 1, passthroughs: [], host: []}
after:
  description:
    - The document's devices as C(zvfio export) shows them after the run (read back from
      the host); in check mode, as the plan would leave them.
  returned: when zvfio read the document
  type: dict
  sample:
    version: 1
    passthroughs:
      - {device: "ccw:0.0.3004", domain: guest1, mdev: 4f1c6e2a-8d3b-4e57-9a10-2b6c7d8e9f01,
         persist: true, autostart: true, offline: deny, guest_devno: fe.0.3004}
    host: []
rc:
  description:
    - zvfio's exit code when it failed (3 a rule refused a step, 4 a device or domain not
      found, 7 an invalid document, ...; zvfio(8), EXIT STATUS).
    - A task that did not fail was 0 (nothing to do) or 10 (changed, or would change).
  returned: failure
  type: int
  sample: 3
stderr:
  description: What zvfio printed on stderr (its messages and warnings).
  returned: always
  type: str
  sample: ""
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.zvfio.zvfio.plugins.module_utils.zvfio import (
    EXIT_CHANGED, EXIT_OK, ZVFIO_COMMON_ARGS, Zvfio, zvfio_message)

# The state document version this module writes (zvfio-state.schema.json).
STATE_VERSION = 1

PASSTHROUGH_OPTIONS = dict(
    device=dict(type='str', required=True),
    domain=dict(type='str', required=True),
    mdev=dict(type='str'),
    persist=dict(type='bool'),
    autostart=dict(type='bool'),
    offline=dict(type='str', choices=['allow', 'deny']),
    managed=dict(type='bool'),
    guest_devno=dict(type='str'),
    zpci_uid=dict(type='int'),
    zpci_fid=dict(type='int'),
)


def state_document(params):
    """The zvfio state document of the parameters: the members given, nothing else."""
    doc = dict(version=STATE_VERSION)
    if params['passthroughs'] is not None:
        doc['passthroughs'] = [dict((k, v) for k, v in entry.items() if v is not None)
                               for entry in params['passthroughs']]
    if params['host'] is not None:
        doc['host'] = params['host']
    return doc


def plan_text(report):
    """zvfio's plan for diff mode: each device that has steps, its steps' words and outcome."""
    lines = []
    for device in report.get('devices', []):
        if not device['steps'] and device['status'] == 'unchanged':
            continue
        lines.append('%s -> %s: %s' % (device['device'], device['domain'] or 'host',
                                       device['status']))
        for step in device['steps']:
            lines.append('  %s: %s: %s' % (step['step'], step['status'], step['detail']))
            for violation in step['violations']:
                lines.append('    %s: %s: %s' % (violation['severity'], violation['rule'],
                                                 violation['message']))
            for why in (step['refusal'], step['error']):
                if why:
                    lines.append('    %s' % why)
        if device['error']:
            lines.append('  %s' % device['error'])
    if not lines:
        return ''
    header = 'zvfio apply --check (nothing was changed):' if report.get('check') else 'zvfio apply:'
    return '\n'.join([header] + lines) + '\n'


def failure_message(rc, stderr, report):
    """zvfio's message for a failed apply: its stderr, and the messages of the rules
    that refused a step (zvfio prints those in its JSON only)."""
    if report is None and rc in (EXIT_OK, EXIT_CHANGED):
        return 'zvfio apply exited with code %d and printed no JSON' % rc
    lines = [zvfio_message(rc, stderr)]
    for device in (report or {}).get('devices', []):
        for step in device['steps']:
            for violation in step['violations']:
                line = '%s: %s: %s' % (violation['severity'], violation['rule'], violation['message'])
                if violation['severity'] == 'error' and line not in lines:
                    lines.append(line)
    return '\n'.join(lines)


def main():
    """Runs zvfio apply with the document of the parameters and exits with its answer."""
    argument_spec = dict(
        # no_log: 'pass' in the name is not a password (validate-modules asks)
        passthroughs=dict(type='list', elements='dict', options=PASSTHROUGH_OPTIONS, no_log=False),
        host=dict(type='list', elements='str'),
    )
    argument_spec.update(ZVFIO_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    zvfio = Zvfio(module)

    args = ['apply', '-', '--json']
    if module.check_mode:
        args.append('--check')
    document = json.dumps(state_document(module.params), sort_keys=True)
    rc, out, err = zvfio.run(args, data=document)
    report = zvfio.parse(args, out)

    result = dict(changed=bool(report and report.get('changed')))
    if report is not None:
        result.update(devices=report['devices'], before=report['diff']['before'],
                      after=report['diff']['after'])
        if module._diff:
            result['diff'] = dict(before=report['diff']['before'], after=report['diff']['after'],
                                  before_header='zvfio export before',
                                  after_header='zvfio export after' if not module.check_mode
                                  else 'zvfio export after the plan',
                                  prepared=plan_text(report))
    if rc not in (EXIT_OK, EXIT_CHANGED) or report is None or report.get('failed'):
        module.fail_json(msg=failure_message(rc, err, report), rc=rc, stderr=err, **result)
    # no rc here: Ansible takes a result with an rc other than 0 for a failure
    module.exit_json(stderr=err, **result)


if __name__ == '__main__':
    main()
