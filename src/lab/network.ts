import { LabError, run, tryRun } from './exec';
import { switchPort, type HostPlan, type LabLayout } from './layout';
import type { StateWriter } from './state';

const ip = (...args: string[]): Promise<unknown> => run('ip', args);

/**
 * The safety nets come first. With `unreachable` for the whole lab range, a packet to any lab
 * address that is not on a lab bridge fails on the spot instead of following the default route
 * off the machine; that also makes the private network fail fast from the controller. The
 * forwarding filter keeps the controller from routing for the lab (see forwardFilterRuleset).
 */
export async function createNetworks(layout: LabLayout, state: StateWriter): Promise<void> {
  await refuseOverlappingRoutes(layout.range);
  await state.record({ kind: 'route', destination: layout.range });
  await ip('route', 'add', 'unreachable', layout.range);
  await state.record({ kind: 'nftables', table: forwardFilterTable(layout.tag) });
  await run('nft', ['-f', '-'], { input: forwardFilterRuleset(layout.tag) });

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
  const port = switchPort(layout, host);
  await plugVeth(['-n', layout.switchNetns], port, host, `eth${guestIf}`, host.privateAddress);
  await ip('-n', layout.switchNetns, 'link', 'set', port, 'master', 'br0', 'up');
}

async function plugVeth(outerNs: string[], outer: string, host: HostPlan, inner: string, address: string): Promise<void> {
  await ip(...outerNs, 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', host.netns);
  await ip('-n', host.netns, 'addr', 'add', `${address}/24`, 'dev', inner);
  await ip('-n', host.netns, 'link', 'set', inner, 'up');
}

interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
}

/**
 * Routes sharing addresses with the range, in every routing table: those inside it (its addresses
 * are in use here) and those wider than it but the default route, which the lab's more specific
 * route would quietly take those addresses from. `netns` is for tests.
 */
export async function overlappingRoutes(range: string, netns?: string): Promise<string[]> {
  const show = async (selector: 'root' | 'match'): Promise<IpRoute[]> =>
    JSON.parse((await run('ip', [...(netns === undefined ? [] : ['-n', netns]), '-j', 'route', 'show', 'table', 'all', selector, range])).stdout || '[]') as IpRoute[];
  const routes = [...(await show('root')), ...(await show('match'))].filter((route) => route.dst !== 'default');
  const describe = (r: IpRoute): string => [r.type, r.dst, r.gateway && `via ${r.gateway}`, r.dev && `dev ${r.dev}`, r.table && `table ${r.table}`].filter(Boolean).join(' ');
  return [...new Set(routes.map(describe))];
}

export async function refuseOverlappingRoutes(range: string, netns?: string): Promise<void> {
  const overlapping = await overlappingRoutes(range, netns);
  if (overlapping.length === 0) return;
  throw new LabError(
    `the lab range ${range} overlaps routes already on this machine (${overlapping.join('; ')}): the lab would take those addresses from them. ` +
      'Remove or narrow those routes, or run the lab on a machine without them',
  );
}

export const forwardFilterTable = (tag: string): string => `play_lab_${tag}`;

/**
 * Guests keep CAP_NET_ADMIN in their namespaces, so one on the public bridge can route through
 * the controller's address there; with ip_forward=1 the controller would pass that traffic on,
 * off the machine or into another lab. This nftables table (inet: IPv4 and IPv6) drops every
 * forwarded packet that crosses between one of the lab's interfaces (all carry its tag) and any
 * other. The lab's own traffic passes: frames bridged between its hosts (br_netfilter shows them
 * to this hook with the bridge as both interfaces) and the controller's own connections, which
 * are not forwarded. The table replaces itself whole, so loading it twice is harmless.
 */
export function forwardFilterRuleset(tag: string): string {
  const table = forwardFilterTable(tag);
  const lab = `"${tag}*"`;
  return [
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname ${lab} oifname != ${lab} drop`,
    `    oifname ${lab} iifname != ${lab} drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Teardown helpers: each is a no-op when the thing is already gone. */
export async function deleteNetns(name: string): Promise<void> {
  await tryRun('ip', ['netns', 'delete', name]);
}

export async function deleteLink(name: string): Promise<void> {
  await tryRun('ip', ['link', 'delete', name]);
}

export async function deleteNftTable(table: string): Promise<void> {
  await tryRun('nft', ['delete', 'table', 'inet', table]);
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
