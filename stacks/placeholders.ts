/*
 * The example values the environment templates and the AWS documentation ship with. A config that
 * still carries one would fail late (a fake AMI after the VPC and the load balancer exist) or
 * quietly do the wrong thing (SSH opened to a documentation range, alarms mailed nowhere), so the
 * config check refuses them all at once, naming each field.
 */

export interface Placeholder {
  path: PropertyKey[];
  message: string;
}

/** RFC 5737: reserved for documentation, never routed. */
const DOCUMENTATION_RANGES: Array<[string, number]> = [
  ['192.0.2.0', 24],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
];

/** Account ids of AWS's documentation examples. */
const EXAMPLE_ACCOUNTS = ['123456789012', '111122223333', '444455556666', '777788889999', '000000000000'];

/** AMI ids of the templates and of AWS's documentation. */
const EXAMPLE_AMIS = ['ami-0a1b2c3d4e5f67890', 'ami-0123456789abcdef0', 'ami-12345678', 'ami-abcd1234', 'ami-0abcdef1234567890'];

/** The key blob environments/*.yaml shipped with. */
const EXAMPLE_SSH_KEYS = ['AAAAC3NzaC1lZDI1NTE5AAAAIEpb0TnG71XQZOp2lpCW1walo7tYWay8vdQnP4kJJ6cg'];

/** RFC 2606 / 6761 names: example.com and its siblings (example.net, example.co.uk...), and the reserved top-level domains. */
const EXAMPLE_DOMAIN = /(^|\.)(example(\.[a-z]{2,})+|[^.]+\.(example|test|invalid|localhost))$/i;

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function documentationRange(value: string): string | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(value);
  if (!match) return undefined;
  const address = ipv4ToNumber(match[1]);
  return DOCUMENTATION_RANGES.find(([base, prefix]) => Math.floor(address / 2 ** (32 - prefix)) === Math.floor(ipv4ToNumber(base) / 2 ** (32 - prefix)))?.join('/');
}

/** What is wrong with one value, or undefined when it is not a known example. */
function describe(value: string): string | undefined {
  const range = documentationRange(value);
  if (range) return `${value} is ${value === range ? 'a' : 'in the'} documentation range${value === range ? '' : ` ${range}`} (RFC 5737), which no one connects from: give your office or VPN egress range`;
  if (EXAMPLE_AMIS.includes(value)) return `${value} is an example AMI id: remove the field to use Debian 12's current image, or pin an image you have tested`;
  if (value.startsWith('ssh-')) {
    const [, blob, ...comment] = value.split(/\s+/);
    if (EXAMPLE_SSH_KEYS.includes(blob) || /replace with your own/i.test(comment.join(' '))) return "the template's example key: paste your own public key (the .pub file)";
  }
  if (EXAMPLE_ACCOUNTS.includes(value)) return `${value} is AWS's example account id: give your account's 12-digit id`;
  const account = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(value)?.[1];
  if (account && EXAMPLE_ACCOUNTS.includes(account)) return `the ARN names AWS's example account ${account}: give the ARN from your account`;
  if (!/\s/.test(value) && EXAMPLE_DOMAIN.test(value.split('@').pop() ?? '')) {
    return value.includes('@') ? `${value} is at an example domain, where no mail arrives: give a mailbox someone reads` : `${value} is in an example domain: give a name in your own zone`;
  }
  if (/^Z[A-Z0-9]+$/.test(value) && /EXAMPLE|0123456789|ABCDEFGHIJ/.test(value)) return `${value} is a made-up hosted zone id: copy yours from Route 53 (aws route53 list-hosted-zones)`;
  if (/^example[-.]/i.test(value)) return `${value} is the template's example name: choose your own`;
  return undefined;
}

/** Every example value in a config (the raw input, so they are found even when other fields are wrong). */
export function findPlaceholders(input: unknown, path: PropertyKey[] = []): Placeholder[] {
  if (typeof input === 'string') {
    const message = describe(input.trim());
    return message ? [{ path, message }] : [];
  }
  if (Array.isArray(input)) return input.flatMap((item, i) => findPlaceholders(item, [...path, i]));
  if (input !== null && typeof input === 'object') return Object.entries(input).flatMap(([key, value]) => findPlaceholders(value, [...path, key]));
  return [];
}
