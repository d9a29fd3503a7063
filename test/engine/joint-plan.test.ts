import { planJointProbes } from '../../src/engine/run/joint-plan';
import { fileProbeCommand } from '../../src/modules/commands/file-probe';
import { unitProbeCommand } from '../../src/modules/commands/systemd';
import type { ProbeRequest } from '../../src/modules/module';
import type { BatchAnswer } from '../../src/transport/batch-script';
import type { RunOptions } from '../../src/transport/connection';

/** How a batch sends its probes: the joinable ones of one family and privilege as one command, the rest as they are. */

const root = { become: true };
const file = (path: string, options: RunOptions = root): ProbeRequest => ({ kind: 'run', command: fileProbeCommand(path), options, joint: { family: 'file', spec: { path, options: {} } } });
const unit = (name: string): ProbeRequest => ({ kind: 'run', command: unitProbeCommand(name, false), options: root, joint: { family: 'unit', unit: name } });
const ran = (stdout: string, exitCode = 0, stderr = ''): BatchAnswer => ({ kind: 'run', result: { stdout, stderr, exitCode } });

test('probes of one family and privilege go out as one command, where the first of them was; the others as they are', () => {
  const other: ProbeRequest = { kind: 'read', path: '/etc/hostname', options: root };
  const ops = [file('/a'), other, unit('ssh'), file('/b'), file('/c', {}), unit('cron')];
  const plan = planJointProbes(ops);
  expect(plan.sent.map((op) => (op.kind === 'run' ? op.command : op.path))).toEqual([
    expect.stringMatching(/stat --printf .* -- "\$@"/),
    '/etc/hostname',
    'systemctl show --property=LoadState,ActiveState,UnitFileState -- ssh cron',
    ops[4].kind === 'run' ? ops[4].command : '',
  ]);
  expect(plan.sent[0].options).toEqual(root);

  const units = 'LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n\nLoadState=loaded\nActiveState=inactive\nUnitFileState=static\n';
  const answers = plan.answers([
    ran('umask\t0022\npaths\nat 0\nstat\nstat\tregular file|root|root|0|0|644|1|2|3:4\npaths -L\nfiles sha1\nfiles sha256\n'),
    { kind: 'read', content: Buffer.from('h\n') },
    ran(units),
    ran('alone\n'),
  ]);
  expect(answers).toEqual([
    ran('umask\t0022\nstat\tregular file|root|root|0|0|644|1|2|3:4\n'),
    { kind: 'read', content: Buffer.from('h\n') },
    ran('LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n'),
    ran('umask\t0022\nabsent\n'),
    ran('alone\n'),
    ran('LoadState=loaded\nActiveState=inactive\nUnitFileState=static\n'),
  ]);
});

test('a joint command that failed, said anything on stderr or printed what cannot be split answers none of its probes', () => {
  const plan = planJointProbes([unit('ssh'), unit('cron')]);
  const block = 'LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n';
  expect(plan.answers([ran(`${block}\n${block}`)])).toEqual([ran(block), ran(block)]);
  expect(plan.answers([ran(`${block}\n${block}`, 1)])).toEqual([undefined, undefined]);
  expect(plan.answers([ran(`${block}\n${block}`, 0, 'Invalid unit name')])).toEqual([undefined, undefined]);
  expect(plan.answers([ran(block)])).toEqual([undefined, undefined]);
  expect(plan.answers([undefined])).toEqual([undefined, undefined]);
});

test('a probe alone in its family and privilege goes out as its own command', () => {
  const ops = [unit('ssh'), file('/a')];
  expect(planJointProbes(ops).sent).toEqual(ops);
});
