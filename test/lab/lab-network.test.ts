import { spawn } from 'node:child_process';
import { forwardFilterRuleset, overlappingRoutes, refuseOverlappingRoutes } from '../../src/lab/network';
import { scratchNetns } from '../support/scratch-netns';

/*
 * The lab's network safety, proven in throwaway network namespaces (root only): nothing here is
 * connected to this machine's own network, so no route or rule can reach beyond them.
 */

const scratch = scratchNetns(`pt-labnet${process.pid}`);
const { ip, inNetns, netns } = scratch;

afterAll(() => scratch.cleanup());

describe('routes overlapping the lab range', () => {
  const range = '10.212.0.0/16';
  let ns: string;
  beforeAll(() => {
    ns = netns('routes');
    ip('-n', ns, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', ns, 'link', 'set', 'br0', 'up');
    ip('-n', ns, 'route', 'add', 'default', 'dev', 'br0');
    ip('-n', ns, 'route', 'add', '10.213.0.0/16', 'dev', 'br0');
    ip('-n', ns, 'route', 'add', '10.211.255.0/24', 'dev', 'br0');
  });

  test('the default route and neighbouring ranges do not overlap', async () => {
    expect(await overlappingRoutes(range, ns)).toEqual([]);
    await expect(refuseOverlappingRoutes(range, ns)).resolves.toBeUndefined();
  });

  test.each([
    ['a wider route, which the lab would shadow', ['10.0.0.0/8', 'dev', 'br0'], '10.0.0.0/8 dev br0'],
    ['a route inside the range', ['10.212.5.0/24', 'dev', 'br0'], '10.212.5.0/24 dev br0'],
    ['a route in another table', ['10.192.0.0/10', 'dev', 'br0', 'table', '100'], '10.192.0.0/10 dev br0 table 100'],
    ['the same range', ['unreachable', range], `unreachable ${range}`],
  ])('%s is found and refused, named', async (_what, route, shown) => {
    ip('-n', ns, 'route', 'add', ...route);
    try {
      expect(await overlappingRoutes(range, ns)).toEqual([shown]);
      await expect(refuseOverlappingRoutes(range, ns)).rejects.toThrow(`the lab range ${range} overlaps routes already on this machine (${shown}): the lab would take those addresses from them`);
    } finally {
      ip('-n', ns, 'route', 'del', ...route);
    }
  });
});

/*
 * A stand-in controller (`router`, ip_forward=1) with the lab's public bridge, two guests on it
 * and a leg to an `outside` network. A guest with CAP_NET_ADMIN routes through the controller's
 * address; the filter must stop that in both directions and leave the lab's own traffic alone.
 */
describe('the forwarding filter', () => {
  const tag = 'labt9';
  const PORT = 7000;
  let router: string;
  let guest: string;
  let neighbour: string;
  let outside: string;

  function plugGuest(netnsName: string, port: string, address: string): void {
    ip('-n', router, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netnsName);
    ip('-n', router, 'link', 'set', port, 'master', `${tag}pub`, 'up');
    ip('-n', netnsName, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', netnsName, 'link', 'set', 'eth0', 'up');
    ip('-n', netnsName, 'route', 'add', 'default', 'via', '10.250.1.1');
  }

  function listen(netnsName: string): Promise<void> {
    const server = scratch.track(spawn('ip', ['netns', 'exec', netnsName, process.execPath, '-e', `require('net').createServer((s) => s.end('hi')).listen(${PORT}, () => console.log('ready'))`]));
    return new Promise((resolve, reject) => {
      server.stdout.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`server in ${netnsName} exited with ${code}`)));
    });
  }

  /** A TCP connection from one namespace to an address: answered, or not within a second. */
  function reaches(from: string, address: string): Promise<boolean> {
    const client = `const s = require('net').connect(${PORT}, '${address}'); s.setTimeout(1000, () => process.exit(2)); s.on('data', () => process.exit(0)); s.on('error', () => process.exit(1));`;
    return new Promise((resolve) => spawn('ip', ['netns', 'exec', from, process.execPath, '-e', client]).once('exit', (code) => resolve(code === 0)));
  }

  async function reachability(): Promise<Record<string, boolean>> {
    const [out, inbound, bridged, controller] = await Promise.all([
      reaches(guest, '198.51.100.2'),
      reaches(outside, '10.250.1.9'),
      reaches(guest, '10.250.1.10'),
      reaches(router, '10.250.1.9'),
    ]);
    return { 'guest -> outside': out, 'outside -> guest': inbound, 'guest -> guest': bridged, 'controller -> guest': controller };
  }

  beforeAll(async () => {
    router = netns('r');
    guest = netns('g');
    neighbour = netns('n');
    outside = netns('o');
    ip('-n', router, 'link', 'add', `${tag}pub`, 'type', 'bridge');
    ip('-n', router, 'addr', 'add', '10.250.1.1/24', 'dev', `${tag}pub`);
    ip('-n', router, 'link', 'set', `${tag}pub`, 'up');
    inNetns(router, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    plugGuest(guest, `${tag}p9`, '10.250.1.9');
    plugGuest(neighbour, `${tag}p10`, '10.250.1.10');
    ip('-n', router, 'link', 'add', 'out0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside);
    ip('-n', router, 'addr', 'add', '198.51.100.1/24', 'dev', 'out0');
    ip('-n', router, 'link', 'set', 'out0', 'up');
    ip('-n', outside, 'addr', 'add', '198.51.100.2/24', 'dev', 'eth0');
    ip('-n', outside, 'link', 'set', 'eth0', 'up');
    ip('-n', outside, 'route', 'add', 'default', 'via', '198.51.100.1');
    await Promise.all([guest, neighbour, outside].map(listen));
  });

  test('without it, the controller routes for a guest (the hole it closes)', async () => {
    expect(await reachability()).toEqual({ 'guest -> outside': true, 'outside -> guest': true, 'guest -> guest': true, 'controller -> guest': true });
  });

  test('with it, nothing is forwarded into or out of the lab; the lab\'s own traffic still flows', async () => {
    // Loaded twice: it replaces itself rather than adding a second copy of its rules.
    for (let load = 0; load < 2; load += 1) inNetns(router, ['nft', '-f', '-'], forwardFilterRuleset(tag));
    expect(inNetns(router, ['nft', 'list', 'ruleset']).match(/ drop$/gm)).toHaveLength(2);
    expect(await reachability()).toEqual({ 'guest -> outside': false, 'outside -> guest': false, 'guest -> guest': true, 'controller -> guest': true });
  });
});
