import { jointFileProbesCommand, splitJointFileProbes, type FileProbeSpec } from '../commands/file-probe';
import { jointAptProbeCommand, splitJointAptProbes } from '../commands/apt';
import { jointUnitProbeCommand, splitJointUnitProbes } from '../commands/systemd';

/**
 * What a probe asks, for the probes a batch may answer with one command for many: a path's file
 * probe, a unit's status, packages' versions. On a converged host a batch's cost is the processes
 * its probes start; a joint command starts one `stat`, one digest, one `systemctl show`, one
 * `apt-cache` for them all.
 */
export type JointProbe = { family: 'file'; spec: FileProbeSpec } | { family: 'unit'; unit: string } | { family: 'apt'; packages: string[] };

interface Family<P extends JointProbe> {
  /** One command for all these probes. */
  command(probes: readonly P[]): string;
  /** What each probe's own command prints, from the joint command's stdout; undefined unless exactly that can be told. */
  split(probes: readonly P[], stdout: string): string[] | undefined;
}

type Families = { [F in JointProbe['family']]: Family<Extract<JointProbe, { family: F }>> };

const FAMILIES: Families = {
  file: {
    command: (probes) => jointFileProbesCommand(probes.map((p) => p.spec)),
    split: (probes, stdout) => splitJointFileProbes(probes.map((p) => p.spec), stdout),
  },
  unit: {
    command: (probes) => jointUnitProbeCommand(probes.map((p) => p.unit)),
    split: (probes, stdout) => splitJointUnitProbes(probes.map((p) => p.unit), stdout),
  },
  apt: {
    command: (probes) => jointAptProbeCommand(probes.map((p) => p.packages)),
    split: (probes, stdout) => splitJointAptProbes(probes.map((p) => p.packages), stdout),
  },
};

function familyOf(probes: readonly JointProbe[]): Family<JointProbe> {
  return FAMILIES[probes[0].family] as Family<JointProbe>;
}

/** One command for probes of one family (the family of the first). */
export function jointCommand(probes: readonly JointProbe[]): string {
  return familyOf(probes).command(probes);
}

/** What each of the probes' own commands prints, from jointCommand's stdout, or undefined. */
export function splitJoint(probes: readonly JointProbe[], stdout: string): string[] | undefined {
  return familyOf(probes).split(probes, stdout);
}
