import os from 'node:os';
import SSHConfig from 'ssh-config';
import { TransportError } from './connection';
import { hostNameProblem, parsePort, userNameProblem, type SshTarget } from './target';

/**
 * Resolves a host to the settings OpenSSH would use for it, from the same config file
 * (`ssh -F file host` and play agree). Parsing is ssh-config's; `compute` applies OpenSSH's rule
 * that the first value obtained for a keyword wins.
 */

export type HostKeyPolicy = 'yes' | 'accept-new' | 'no';

export type ProxyRoute =
  | { kind: 'direct' }
  | { kind: 'jump'; via: SshEndpoint }
  | { kind: 'command'; command: string; template: string };

export interface SshEndpoint {
  /** The name the caller gave the host, or ProxyJump's: what errors call it. */
  alias: string;
  hostName: string;
  port: number;
  user: string;
  /** Configured key files (expanded); the OpenSSH defaults when none is configured. */
  identityFiles: string[];
  /** IdentitiesOnly yes: offer only the files, not the agent's other keys. */
  identitiesOnly: boolean;
  knownHostsFiles: string[];
  /** The name host keys are recorded under (HostKeyAlias, else HostName). */
  hostKeyName: string;
  hashKnownHosts: boolean;
  /** From the config; `no` there is read as accept-new (disabling checks takes an explicit caller option). */
  hostKeyPolicy: HostKeyPolicy;
  connectTimeoutMs?: number;
  serverAliveIntervalMs: number;
  serverAliveCountMax: number;
  proxy: ProxyRoute;
}

/** The caller's settings for the target, which override the config for it (never for its jump hosts). */
export type EndpointOverrides = Pick<SshTarget, 'hostName' | 'port' | 'user' | 'identityFile'>;

export interface ParsedSshConfig {
  file: string;
  text: string;
  config: SSHConfig;
}

export interface ResolveContext {
  /** Local home directory and user, for `~`, %d and %u and the defaults. */
  home?: string;
  localUser?: string;
  /** Replaces every UserKnownHostsFile (the project's known_hosts). */
  knownHostsFile?: string;
}

export function parseSshConfig(file: string, text: string): ParsedSshConfig {
  return { file, text, config: SSHConfig.parse(text) };
}

const MAX_JUMP_DEPTH = 8;

export function resolveSshHost(parsed: ParsedSshConfig | undefined, alias: string, overrides: EndpointOverrides = {}, context: ResolveContext = {}): SshEndpoint {
  const problem = hostNameProblem(alias);
  if (problem) throw new TransportError(alias, 'target', 'config', `host ${alias}: ${problem}`);
  return resolveEndpoint(parsed, alias, overrides, withDefaults(context), 0, undefined);
}

type FullContext = Required<Pick<ResolveContext, 'home' | 'localUser'>> & ResolveContext;

function withDefaults(context: ResolveContext): FullContext {
  return { ...context, home: context.home ?? os.homedir(), localUser: context.localUser ?? os.userInfo().username };
}

type Computed = Record<string, string | string[]>;

/** `field` is a config keyword, or (not `inConfig`) the caller's setting, which no config line holds. */
type Fail = (field: string, message: string, inConfig?: boolean) => never;

// Every target behind a bastion resolves the bastion again: each alias is computed once per parsed config.
const computedHosts = new WeakMap<ParsedSshConfig, Map<string, Computed>>();

function computeHost(parsed: ParsedSshConfig, alias: string): Computed {
  let hosts = computedHosts.get(parsed);
  if (!hosts) computedHosts.set(parsed, (hosts = new Map()));
  let computed = hosts.get(alias);
  if (!computed) {
    // Match exec would run shell commands while merely reading the config; play only runs ProxyCommand, when connecting.
    computed = parsed.config.compute(alias, { ignoreCase: true, matchExec: false });
    hosts.set(alias, computed);
  }
  return computed;
}

function resolveEndpoint(parsed: ParsedSshConfig | undefined, alias: string, overrides: EndpointOverrides, context: FullContext, depth: number, proxyOverride: ProxyRoute | undefined): SshEndpoint {
  const fail: Fail = (field, message, inConfig = true) => {
    throw new TransportError(alias, 'target', 'config', `${inConfig ? where(parsed, field) : ''}host ${alias}, ${field}: ${message}`);
  };
  const checked = (problem: (value: string) => string | undefined, value: string, field: string, inConfig = true): string => {
    const reason = problem(value);
    return reason === undefined ? value : fail(field, reason, inConfig);
  };
  if (depth > MAX_JUMP_DEPTH) fail('ProxyJump', `more than ${MAX_JUMP_DEPTH} jumps (a ProxyJump loop?)`);
  const computed: Computed = parsed ? computeHost(parsed, alias) : {};
  const single = (key: string): string | undefined => {
    const value = computed[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const list = (key: string): string[] => {
    const value = computed[key];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  };

  const configHostName = single('hostname')?.replace(/%h/g, alias);
  const hostName =
    overrides.hostName !== undefined ? checked(hostNameProblem, overrides.hostName, 'hostName', false) : configHostName !== undefined ? checked(hostNameProblem, configHostName, 'HostName') : alias;
  const configPort = single('port');
  const port = overrides.port !== undefined ? portValue(overrides.port, 'port', fail, false) : configPort !== undefined ? portValue(configPort, 'Port', fail) : 22;
  const configUser = single('user');
  const user = overrides.user !== undefined ? checked(userNameProblem, overrides.user, 'user', false) : configUser !== undefined ? checked(userNameProblem, configUser, 'User') : context.localUser;
  const tokens: Record<string, string> = { h: hostName, p: String(port), r: user, n: alias, d: context.home, u: context.localUser, '%': '%' };
  const expandPath = (value: string, field: string) => expandTilde(expandTokens(value, tokens, field, fail), context.home);

  const configuredKeys = list('identityfile').map((file) => expandPath(file, 'IdentityFile'));
  const identityFiles = overrides.identityFile !== undefined ? [expandTilde(overrides.identityFile, context.home), ...configuredKeys] : configuredKeys.length > 0 ? configuredKeys : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => `${context.home}/.ssh/${name}`);

  const knownHostsFiles = context.knownHostsFile !== undefined ? [context.knownHostsFile] : list('userknownhostsfile').map((file) => expandPath(file, 'UserKnownHostsFile'));
  const hostKeyAlias = single('hostkeyalias');

  const endpoint: SshEndpoint = {
    alias,
    hostName,
    port,
    user,
    identityFiles,
    identitiesOnly: yesNo(single('identitiesonly') ?? 'no', 'IdentitiesOnly', fail),
    knownHostsFiles: knownHostsFiles.length > 0 ? knownHostsFiles : [`${context.home}/.ssh/known_hosts`],
    hostKeyName: hostKeyAlias !== undefined ? checked(hostNameProblem, hostKeyAlias, 'HostKeyAlias') : hostName,
    hashKnownHosts: yesNo(single('hashknownhosts') ?? 'no', 'HashKnownHosts', fail),
    hostKeyPolicy: hostKeyPolicy(single('stricthostkeychecking'), fail),
    serverAliveIntervalMs: seconds(single('serveraliveinterval') ?? '0', 'ServerAliveInterval', fail),
    serverAliveCountMax: count(single('serveralivecountmax') ?? '3', 'ServerAliveCountMax', fail),
    proxy: { kind: 'direct' },
  };
  const connectTimeout = single('connecttimeout');
  if (connectTimeout !== undefined && connectTimeout !== 'none') endpoint.connectTimeoutMs = seconds(connectTimeout, 'ConnectTimeout', fail);

  endpoint.proxy = proxyOverride ?? proxyRoute(parsed, computed, tokens, context, depth, fail);
  return endpoint;
}

/** ProxyJump and ProxyCommand compete: as in OpenSSH, whichever the config gave first is used. */
function proxyRoute(parsed: ParsedSshConfig | undefined, computed: Computed, tokens: Record<string, string>, context: FullContext, depth: number, fail: Fail): ProxyRoute {
  const first = Object.keys(computed).find((key) => key === 'proxyjump' || key === 'proxycommand');
  if (first === undefined) return { kind: 'direct' };
  const value = computed[first];
  const text = (Array.isArray(value) ? value.join(' ') : value).trim();
  if (text === 'none') return { kind: 'direct' };
  if (first === 'proxycommand') return { kind: 'command', template: text, command: expandTokens(text, tokens, 'ProxyCommand', fail) };

  // A chain a,b,c: c is reached through b, b through a, and a by its own config.
  let route: ProxyRoute | undefined;
  for (const spec of text.split(',')) {
    const { user, host, port } = parseJumpSpec(spec.trim(), fail);
    const hop = resolveEndpoint(parsed, host, { user, port }, context, depth + 1, route);
    route = { kind: 'jump', via: hop };
  }
  return route ?? { kind: 'direct' };
}

function parseJumpSpec(spec: string, fail: Fail): { user?: string; host: string; port?: number } {
  const match = /^(?:ssh:\/\/)?(?:([^@/]+)@)?(\[[^\]]+\]|[^:@/]+)(?::(\d+))?\/?$/.exec(spec);
  if (!match) return fail('ProxyJump', `cannot parse ${JSON.stringify(spec)} (expected [user@]host[:port])`);
  const [, user, bracketed, port] = match;
  const host = bracketed.replace(/^\[|\]$/g, '');
  const problem = hostNameProblem(host) ?? (user === undefined ? undefined : userNameProblem(user));
  if (problem) return fail('ProxyJump', problem);
  return { user, host, port: port === undefined ? undefined : portValue(port, 'ProxyJump', fail) };
}

function expandTokens(value: string, tokens: Record<string, string>, field: string, fail: Fail): string {
  return value.replace(/%(.)/g, (_, token: string) => tokens[token] ?? fail(field, `unsupported token %${token} in ${JSON.stringify(value)}`));
}

function expandTilde(value: string, home: string): string {
  return value === '~' ? home : value.startsWith('~/') ? `${home}${value.slice(1)}` : value;
}

function portValue(value: unknown, field: string, fail: Fail, inConfig = true): number {
  return parsePort(value) ?? fail(field, `not a port number: ${JSON.stringify(value)}`, inConfig);
}

function seconds(value: string, field: string, fail: Fail): number {
  if (!/^\d+$/.test(value)) return fail(field, `expected whole seconds, got ${JSON.stringify(value)}`);
  return Number(value) * 1000;
}

function count(value: string, field: string, fail: Fail): number {
  if (!/^\d+$/.test(value)) return fail(field, `expected a number, got ${JSON.stringify(value)}`);
  return Number(value);
}

function yesNo(value: string, field: string, fail: Fail): boolean {
  const lower = value.toLowerCase();
  if (lower === 'yes' || lower === 'true') return true;
  if (lower === 'no' || lower === 'false') return false;
  return fail(field, `expected yes or no, got ${JSON.stringify(value)}`);
}

function hostKeyPolicy(value: string | undefined, fail: Fail): HostKeyPolicy {
  switch (value?.toLowerCase()) {
    case 'yes':
    case 'true':
      return 'yes';
    case undefined:
    case 'accept-new':
    case 'ask':
    case 'no':
    case 'off':
    case 'false':
      return 'accept-new';
    default:
      return fail('StrictHostKeyChecking', `expected yes, accept-new, ask or no, got ${JSON.stringify(value)}`);
  }
}

/** "file:line: " for the first line setting the keyword, so the message points where to fix it. */
function where(parsed: ParsedSshConfig | undefined, field: string): string {
  if (!parsed) return '';
  const pattern = new RegExp(`^\\s*${field}\\b`, 'i');
  const index = parsed.text.split('\n').findIndex((line) => pattern.test(line));
  return index < 0 ? `${parsed.file}: ` : `${parsed.file}:${index + 1}: `;
}
