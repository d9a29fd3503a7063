import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition, type ModuleResult } from './module';
import { uriScript, type UriRequest, type UriResponse } from './commands/uri-script';
import { run } from './support/host';

/**
 * Credentials in the URL would be shown wherever the URL is (error messages, the result's url);
 * they belong in url_username/url_password, which the module hides. The authority ends at the
 * first `/`, `?` or `#` (for Python's urllib, which sends the request, a backslash does not end it).
 */
const USERINFO = /^https?:\/\/[^/?#]*@/i;

const args = z
  .object({
    url: z
      .string()
      .regex(/^https?:\/\//, 'url must start with http:// or https://')
      .refine((url) => !USERINFO.test(url), 'url must not hold credentials (user:password@); give them as url_username and url_password'),
    method: z.string().regex(/^[A-Z]+$/, 'method is an upper-case HTTP verb').default('GET'),
    status_code: z.union([z.number().int(), z.array(z.number().int()).min(1)]).transform((s) => (Array.isArray(s) ? s : [s])).default([200]),
    return_content: z.boolean().default(false),
    timeout: z.number().positive().default(30),
    body: z.unknown().optional(),
    body_format: z.enum(['raw', 'json']).default('raw'),
    headers: z.record(z.string(), z.string()).default({}),
    validate_certs: z.boolean().default(true),
    follow_redirects: z.boolean().default(true),
    url_username: z.string().optional(),
    url_password: z.string().optional(),
    force_basic_auth: z.boolean().default(false),
  })
  .strict()
  .refine((a) => a.url_password === undefined || a.url_username !== undefined, { message: 'url_password needs url_username', path: ['url_password'] });

type UriArgs = z.infer<typeof args>;

const READ_ONLY = new Set(['GET', 'HEAD', 'OPTIONS']);

function basicAuth(a: UriArgs): UriRequest['auth'] {
  if (a.url_username === undefined) return undefined;
  return { username: a.url_username, password: a.url_password ?? '', force: a.force_basic_auth };
}

const HIDDEN = '********';

/**
 * The password (and its Basic token) must never reach the output, even when a server echoes the
 * request back: the module's own no_log for it, as Ansible marks url_password. The JSON-escaped
 * form covers a password echoed inside a JSON body.
 */
export function hideCredentials(auth: UriRequest['auth']): (text: string) => string {
  if (!auth?.password) return (text) => text;
  const forms = [Buffer.from(`${auth.username}:${auth.password}`).toString('base64'), JSON.stringify(auth.password).slice(1, -1), auth.password];
  return (text) => forms.reduce((hidden, form) => hidden.split(form).join(HIDDEN), text);
}

export function hideDeep(value: unknown, hide: (text: string) => string): unknown {
  if (typeof value === 'string') return hide(value);
  if (Array.isArray(value)) return value.map((v) => hideDeep(v, hide));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [hide(k), hideDeep(v, hide)]));
  return value;
}

function requestBody(a: UriArgs): { body?: string; headers: Record<string, string> } {
  if (a.body === undefined) return { headers: a.headers };
  if (a.body_format === 'json') return { body: JSON.stringify(a.body), headers: { 'Content-Type': 'application/json', ...a.headers } };
  return { body: typeof a.body === 'string' ? a.body : JSON.stringify(a.body), headers: a.headers };
}

/** An HTTP request made from the host (e.g. its own /health); in check mode only read-only methods are sent. */
export const uri: ModuleDefinition<UriArgs> = {
  name: 'uri',
  args,
  async run(a, ctx): Promise<ModuleResult> {
    if (ctx.check && !READ_ONLY.has(a.method)) return { changed: false, skipped: true, msg: `${a.method} ${a.url} is not sent in check mode` };
    const { body, headers } = requestBody(a);
    const auth = basicAuth(a);
    const hide = hideCredentials(auth);
    const script = uriScript({ url: a.url, method: a.method, headers, body, timeout: a.timeout, validate_certs: a.validate_certs, follow_redirects: a.follow_redirects, auth });
    const result = await run(ctx, 'python3 -', { stdin: script, timeoutMs: (a.timeout + 30) * 1000 });
    if (result.exitCode !== 0) {
      throw new ModuleFailure(hide(`uri needs python3 on ${ctx.host} (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-3).join(' ')}`));
    }
    const response = JSON.parse(result.stdout) as UriResponse;
    const ok = a.status_code.includes(response.status);
    const out: ModuleResult = {
      changed: false,
      status: response.status,
      url: response.url,
      elapsed: response.elapsed,
      headers: response.headers,
      ...(a.return_content ? { content: response.content } : {}),
    };
    if (a.return_content && /json/i.test(response.headers['Content-Type'] ?? '')) {
      try {
        out.json = JSON.parse(response.content);
      } catch {
        // Not JSON after all: `content` still has the text.
      }
    }
    if (!ok) {
      out.failed = true;
      out.msg = `Status code was ${response.status} and not [${a.status_code.join(', ')}]: ${response.error ?? `${a.method} ${a.url}`}`;
    }
    return hideDeep(out, hide) as ModuleResult;
  },
};
