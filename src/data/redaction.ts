import { shlexQuote } from '../base/shell-quote';

/**
 * The run's registry of secret values (vault-decrypted values, values of no_log tasks). Every
 * text that leaves play (console, --json events, diffs, error messages) goes through `redact`.
 */

export const REDACTED = '********';

/**
 * Values shorter than this are not redacted: masking every "a" or "80" would mangle all output
 * while protecting nothing a guess wouldn't find.
 */
export const MIN_SECRET_LENGTH = 3;

export type SecretSource = 'vault' | 'no_log';

export class Redactor {
  private readonly values = new Map<string, SecretSource>();
  private pattern: RegExp | null | undefined;

  /** Registers a secret, with the forms it is commonly printed in (see `variantsOf`). */
  add(value: string, source: SecretSource = 'no_log'): void {
    if (value.trim().length < MIN_SECRET_LENGTH) return;
    for (const variant of variantsOf(value)) {
      if (variant.trim().length < MIN_SECRET_LENGTH) continue;
      // vault wins: once a value is known to come from vault, it stays marked as such
      if (this.values.get(variant) !== 'vault') this.values.set(variant, source);
      this.pattern = undefined;
    }
  }

  /**
   * Registers every string leaf of a value, e.g. a whole decrypted vars file. Numbers and
   * booleans are left out: masking every "443" or "true" in the output would hide nothing secret.
   */
  addAll(value: unknown, source: SecretSource = 'no_log'): void {
    if (typeof value === 'string') this.add(value, source);
    else if (Array.isArray(value)) value.forEach((v) => this.addAll(v, source));
    else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => this.addAll(v, source));
  }

  has(value: string): boolean {
    return this.values.has(value);
  }

  /** Whether a value was decrypted from vault (the marker callers use to keep e.g. diffs of such files secret). */
  fromVault(value: unknown): boolean {
    return typeof value === 'string' && this.values.get(value) === 'vault';
  }

  /** Whether a text contains any registered secret. */
  contains(text: string): boolean {
    const pattern = this.compiled();
    if (!pattern) return false;
    pattern.lastIndex = 0;
    return pattern.test(text);
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    const pattern = this.compiled();
    return pattern ? text.replace(pattern, REDACTED) : text;
  }

  /** Redacts every string inside a value (for structured output such as --json events). */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.redact(k), this.redactValue(v)])) as T;
    }
    return value;
  }

  private compiled(): RegExp | null {
    if (this.pattern === undefined) {
      // longest first, so a secret that contains another is masked whole
      const sorted = [...this.values.keys()].sort((a, b) => b.length - a.length);
      // any case: `| upper`, `| capitalize`, and %xx escapes written in either case
      this.pattern = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'gi') : null;
    }
    return this.pattern;
  }
}

/**
 * A secret as filters and serialisers print it: itself, each of its lines, JSON-escaped, in a
 * single-quoted YAML string, shell-quoted (`quote`), URL-encoded, and in base64 (`b64encode`,
 * basic auth). Upper and lower case are covered by matching without case. What else can be made
 * of a secret (a slice, a reversal, a hash, a base64 of a base64) is not recognised
 * (src/engine/README.md, Secrets).
 */
function variantsOf(value: string): string[] {
  const variants = [value, JSON.stringify(value).slice(1, -1), value.replaceAll("'", "''"), shlexQuote(value), ...urlEncodings(value), ...base64Forms(value)];
  if (value.includes('\n')) variants.push(...value.split(/\r?\n/));
  return variants;
}

function urlEncodings(value: string): string[] {
  // through UTF-8 and back, as a lone surrogate would make encodeURIComponent throw
  const encoded = encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
  return [encoded, encoded.replaceAll('%20', '+')];
}

/**
 * The secret's base64, whole (`b64encode`), and as it shows inside the base64 of a longer text
 * (`user:password` in a basic-auth header): there its encoding depends on its offset modulo 3,
 * so each of the three is registered without the characters it shares with its neighbours.
 * Forms shorter than the secret itself are left out: they would match too much.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [bytes.toString('base64')];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const sharedBefore = Math.ceil((offset * 4) / 3);
    const completeGroups = Math.floor((offset + bytes.length) / 3) * 4;
    forms.push(encoded.slice(sharedBefore, completeGroups));
  }
  return forms.filter((form) => form.length >= value.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
