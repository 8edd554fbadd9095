# -*- coding: utf-8 -*-
# Copyright: 2026 zvfio developers
# MIT License (see the LICENSE file of the collection or https://opensource.org/licenses/MIT)
"""Runs the managed node's zvfio for the zvfio.zvfio modules: its command line
(zvfio's global options), its JSON and its own error messages. Nothing of what
zvfio decides is repeated here."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

# The argument spec of zvfio's global options (doc fragment zvfio.zvfio.zvfio).
ZVFIO_COMMON_ARGS = dict(
    root=dict(type='path'),
    connect=dict(type='str'),
    connect_timeout=dict(type='int'),
    executable=dict(type='path'),
)

# zvfio's exit codes that the modules read (zvfio(8), EXIT STATUS).
EXIT_OK = 0
EXIT_RULE_VIOLATION = 3
EXIT_CHANGED = 10


def zvfio_message(rc, stderr):
    """zvfio's own message for a failed run: its stderr as it printed it, else
    a line naming the exit code."""
    text = (stderr or '').strip()
    if text:
        return text
    return 'zvfio exited with code %d and printed no message' % rc


class Zvfio(object):
    """The host's zvfio with the global options of the module's parameters."""

    def __init__(self, module):
        self.module = module
        params = module.params
        self.binary = params['executable'] or module.get_bin_path(
            'zvfio', required=True, opt_dirs=['/usr/sbin', '/usr/local/bin'])
        self.global_args = []
        if params['root'] is not None:
            self.global_args += ['--root', params['root']]
        if params['connect'] is not None:
            self.global_args += ['--connect', params['connect']]
        if params['connect_timeout'] is not None:
            self.global_args += ['--connect-timeout', str(params['connect_timeout'])]

    def argv(self, args):
        """The command line that runs zvfio ARGS (no shell: a list)."""
        return [self.binary] + self.global_args + list(args)

    def run(self, args, data=None):
        """Runs zvfio ARGS (DATA on its stdin); returns (rc, stdout, stderr)."""
        return self.module.run_command(self.argv(args), data=data,
                                       environ_update={'LC_ALL': 'C.UTF-8'})

    def parse(self, args, out):
        """The JSON zvfio printed, or None when stdout holds none."""
        if not out.lstrip().startswith('{'):
            return None
        try:
            return json.loads(out)
        except ValueError as exc:
            self.module.fail_json(msg='zvfio %s printed JSON that cannot be read: %s'
                                  % (' '.join(args), exc), stdout=out)
        return None

    def json(self, args, ok_codes=(EXIT_OK,), data=None):
        """Runs zvfio ARGS and returns (rc, its JSON); fails the module with
        zvfio's message when it exits with a code not in OK_CODES."""
        rc, out, err = self.run(args, data=data)
        if rc not in ok_codes:
            self.module.fail_json(msg=zvfio_message(rc, err), rc=rc, stdout=out, stderr=err,
                                  cmd=self.argv(args))
        result = self.parse(args, out)
        if result is None:
            self.module.fail_json(msg='zvfio %s printed no JSON' % ' '.join(args), rc=rc,
                                  stdout=out, stderr=err, cmd=self.argv(args))
        return rc, result
