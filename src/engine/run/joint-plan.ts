import type { ProbeRequest } from '../../modules/module';
import { jointCommand, splitJoint, type JointProbe } from '../../modules/support/joint-probes';
import { batchable, type BatchAnswer, type BatchOperation } from '../../transport/batch-script';
import { keyOf } from './probe-cache';

/**
 * A batch's probes of one family (support/joint-probes.ts), answered together: the probes that run
 * with the same privilege, directory and environment go out as one joint command, whose output is
 * split back into exactly what each probe's own command prints. A joint command that fails, or
 * prints anything that cannot be split exactly, answers none of its probes: each then goes to the
 * host on its own when its task runs.
 */
export interface JointPlan {
  /** The operations to send, in order: each joint command where its first probe was, the rest as they are. */
  sent: BatchOperation[];
  /** Each planned operation's answer, in the order planned, from the sent operations' answers. */
  answers(sentAnswers: readonly BatchAnswer[]): BatchAnswer[];
}

interface Member {
  index: number;
  probe: JointProbe;
}

export function planJointProbes(ops: readonly ProbeRequest[]): JointPlan {
  const groups = new Map<string, Member[]>();
  ops.forEach((op, index) => {
    if (op.kind !== 'run' || op.joint === undefined || !batchable(op)) return;
    const key = `${op.joint.family} ${keyOf({ ...op, command: '' })}`;
    groups.set(key, [...(groups.get(key) ?? []), { index, probe: op.joint }]);
  });
  const groupOf = new Map<number, Member[]>();
  for (const members of groups.values()) if (members.length > 1) for (const { index } of members) groupOf.set(index, members);

  // What each sent operation answers: one planned operation, or a joint command's probes.
  const sent: BatchOperation[] = [];
  const sources: (number | Member[])[] = [];
  ops.forEach((op, i) => {
    const members = groupOf.get(i);
    if (members === undefined) {
      sent.push(op);
      sources.push(i);
    } else if (members[0].index === i) {
      sent.push({ kind: 'run', command: jointCommand(members.map((m) => m.probe)), options: op.options });
      sources.push(members);
    }
  });

  return {
    sent,
    answers(sentAnswers) {
      const answers: BatchAnswer[] = ops.map(() => undefined);
      sources.forEach((source, j) => {
        const answer = sentAnswers[j];
        if (typeof source === 'number') {
          answers[source] = answer;
          return;
        }
        const clean = answer?.kind === 'run' && answer.result.exitCode === 0 && answer.result.stderr === '';
        const split = clean ? splitJoint(source.map((m) => m.probe), answer.result.stdout) : undefined;
        source.forEach(({ index }, m) => {
          answers[index] = split && { kind: 'run', result: { stdout: split[m], stderr: '', exitCode: 0 } };
        });
      });
      return answers;
    },
  };
}
