import { LabError, run, tryRun } from './exec';
import type { HostPlan, LabLayout } from './layout';
import type { StateWriter } from './state';

const ip = (...args: string[]): Promise<unknown> => run('ip', args);

/**
 * The safety net comes first: with `unreachable` for the whole lab range, a packet to any lab
 * address that is not on a lab bridge fails on the spot instead of following the default route
 * off the machine. That also makes the private network fail fast from the controller.
 */
export async function createNetworks(layout: LabLayout, state: StateWriter): Promise<void> {
  const existing = (await run('ip', ['route', 'show', layout.range])).stdout.trim();
  if (existing !== '') throw new LabError(`the lab range ${layout.range} is already routed here (${existing}); another lab may be using it: \`play lab status\``);
  await state.record({ kind: 'route', destination: layout.range });
  await ip('route', 'add', 'unreachable', layout.range);

  await state.record({ kind: 'link', name: layout.publicBridge });
  await ip('link', 'add', layout.publicBridge, 'type', 'bridge');
  await ip('addr', 'add', `${layout.controllerAddress}/24`, 'dev', layout.publicBridge);
  await ip('link', 'set', layout.publicBridge, 'up');

  // The private switch lives in its own namespace: the root namespace has no interface on it at all.
  await state.record({ kind: 'netns', name: layout.switchNetns });
  await ip('netns', 'add', layout.switchNetns);
  await ip('-n', layout.switchNetns, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', layout.switchNetns, 'link', 'set', 'br0', 'up');
}

/** A host's namespace: eth0 on the public bridge (bastion, lb), and a leg on the private switch. No default route. */
export async function createHostNetwork(layout: LabLayout, host: HostPlan, state: StateWriter): Promise<void> {
  await state.record({ kind: 'netns', name: host.netns });
  await ip('netns', 'add', host.netns);
  await ip('-n', host.netns, 'link', 'set', 'lo', 'up');
  let guestIf = 0;
  if (host.publicAddress !== undefined) {
    const outer = `${layout.tag}p${host.index}`;
    await state.record({ kind: 'link', name: outer });
    await plugVeth([], outer, host, `eth${guestIf}`, host.publicAddress);
    await ip('link', 'set', outer, 'master', layout.publicBridge, 'up');
    guestIf += 1;
  }
  const port = `${layout.tag}s${host.index}`;
  await plugVeth(['-n', layout.switchNetns], port, host, `eth${guestIf}`, host.privateAddress);
  await ip('-n', layout.switchNetns, 'link', 'set', port, 'master', 'br0', 'up');
}

async function plugVeth(outerNs: string[], outer: string, host: HostPlan, inner: string, address: string): Promise<void> {
  await ip(...outerNs, 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', host.netns);
  await ip('-n', host.netns, 'addr', 'add', `${address}/24`, 'dev', inner);
  await ip('-n', host.netns, 'link', 'set', inner, 'up');
}

/** Teardown helpers: each is a no-op when the thing is already gone. */
export async function deleteNetns(name: string): Promise<void> {
  await tryRun('ip', ['netns', 'delete', name]);
}

export async function deleteLink(name: string): Promise<void> {
  await tryRun('ip', ['link', 'delete', name]);
}

export async function deleteRoute(destination: string): Promise<void> {
  await tryRun('ip', ['route', 'delete', 'unreachable', destination]);
}

/** Names carrying the lab's tag, for the sweep that catches what a crash kept out of the state file. */
export async function labNetnsNames(tag: string): Promise<string[]> {
  const { stdout } = await tryRun('ip', ['netns', 'list']);
  return stdout.split('\n').map((line) => line.split(' ')[0]).filter((name) => name.startsWith(`${tag}-`));
}

export async function labLinkNames(tag: string): Promise<string[]> {
  const { stdout } = await tryRun('ip', ['-o', 'link', 'show']);
  return stdout
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name.startsWith(tag));
}

export async function routeExists(destination: string): Promise<boolean> {
  return (await tryRun('ip', ['route', 'show', destination])).stdout.trim() !== '';
}
