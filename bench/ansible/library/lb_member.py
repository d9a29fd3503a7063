#!/usr/bin/python3
# The Ansible side of play's lb_member module, HAProxy driver only (the lab's load balancer), so the
# bench's Ansible site runs the same tasks. Same interface as play's (state, host, lb, wait, timeout)
# and the same runtime API commands: `set server <backend>/<host> state drain|ready`, observed
# through `show servers state` (admin and health) and `show stat` (sessions in flight).
import socket
import time

from ansible.module_utils.basic import AnsibleModule

RUNNING = 2
OUT_OF_ROTATION = 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20 | 0x40


def runtime(address, command):
    host, port = address.rsplit(':', 1)
    with socket.create_connection((host.strip('[]'), int(port)), timeout=5) as conn:
        conn.sendall(command.encode() + b'\n')
        conn.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return b''.join(chunks).decode()
            chunks.append(chunk)


def status(lb, server):
    states = runtime(lb['admin_address'], 'show servers state %s' % lb['backend']).splitlines()
    header = next(line[1:].split() for line in states if line.startswith('#'))
    name_at = header.index('srv_name')
    # The answer starts with its format version on a line of its own: only full rows name a server.
    row = next((fields for fields in (line.split() for line in states if not line.startswith('#')) if len(fields) > name_at and fields[name_at] == server), None)
    stats = runtime(lb['admin_address'], 'show stat %s 4 -1' % lb['backend']).splitlines()
    columns = stats[0][2:].split(',')
    stat = next((dict(zip(columns, line.split(','))) for line in stats[1:] if line.split(',')[1:2] == [server]), None)
    if row is None or stat is None:
        raise RuntimeError('HAProxy at %s has no server %s in backend %s' % (lb['admin_address'], server, lb['backend']))
    enabled = int(row[header.index('srv_admin_state')]) & OUT_OF_ROTATION == 0
    in_flight = int(stat.get('scur') or 0) + int(stat.get('qcur') or 0)
    return {'enabled': enabled, 'healthy': int(row[header.index('srv_op_state')]) == RUNNING, 'drained': not enabled and in_flight == 0}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(required=True, choices=['drained', 'enabled', 'absent', 'present']),
            host=dict(required=True),
            lb=dict(type='dict', required=True),
            wait=dict(type='bool', default=True),
            timeout=dict(type='int', default=300),
        ),
        supports_check_mode=True,
    )
    lb, host = module.params['lb'], module.params['host']
    if lb.get('driver') != 'haproxy':
        module.fail_json(msg='lb_member (bench mirror): only the haproxy driver is implemented, not %s' % lb.get('driver'))
    drain = module.params['state'] in ('drained', 'absent')
    try:
        before = status(lb, host)
        changed = before['enabled'] if drain else not before['enabled']
        if module.check_mode:
            module.exit_json(changed=changed)
        answer = runtime(lb['admin_address'], 'set server %s/%s state %s' % (lb['backend'], host, 'drain' if drain else 'ready')).strip()
        if answer:
            module.fail_json(msg='HAProxy refused the state change of %s: %s' % (host, answer))
        wanted = 'drained' if drain else 'healthy'
        deadline = time.time() + module.params['timeout']
        while module.params['wait'] and not status(lb, host)[wanted]:
            if time.time() > deadline:
                module.fail_json(msg='%s not %s after %s s' % (host, wanted, module.params['timeout']))
            time.sleep(0.25)
        module.exit_json(changed=changed)
    except (OSError, RuntimeError, StopIteration) as err:
        module.fail_json(msg='lb_member %s %s on haproxy: %s' % (module.params['state'], host, err))


if __name__ == '__main__':
    main()
