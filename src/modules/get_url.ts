import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition, type ModuleResult } from './module';
import { getUrlScript, type GetUrlOutput } from './commands/get-url-script';
import { run } from './support/host';
import { fileMode } from './support/mode';
import { ensurePathAttributes } from './support/path-attributes';
import { hideCredentials, hideDeep } from './uri';

/** Credentials in the URL would show wherever the URL does; they belong in url_username/url_password (hidden). */
const USERINFO = /^[a-z]+:\/\/[^/?#]*@/i;

const args = z
  .object({
    url: z
      .string()
      .regex(/^(https?|ftp|file):\/\//, 'url must start with http://, https://, ftp:// or file://')
      .refine((url) => !USERINFO.test(url), 'url must not hold credentials (user:password@); give them as url_username and url_password'),
    dest: z.string().min(1),
    checksum: z
      .string()
      .refine((c) => c === '' || /^[a-z0-9]+:.+$/i.test(c), 'The checksum parameter has to be in format <algorithm>:<checksum>')
      .default(''),
    force: z.boolean().default(false),
    timeout: z.number().positive().default(10),
    headers: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}),
    url_username: z.string().optional(),
    url_password: z.string().optional(),
    force_basic_auth: z.boolean().default(false),
    validate_certs: z.boolean().default(true),
    backup: z.boolean().default(false),
    tmp_dest: z.string().min(1).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
    mode: fileMode.optional(),
  })
  .strict()
  .refine((a) => a.url_password === undefined || a.url_username !== undefined, { message: 'url_password needs url_username', path: ['url_password'] });

type GetUrlArgs = z.infer<typeof args>;

/**
 * ansible.builtin.get_url: the host downloads the file itself. Idempotent as Ansible is: a checksum
 * that matches the file skips the request, an unchanged file answers 304, and a downloaded file that
 * equals the old one is not written. Check mode sends HEAD only.
 */
export const get_url: ModuleDefinition<GetUrlArgs> = {
  name: 'get_url',
  args,
  aliases: { username: 'url_username', password: 'url_password' },
  async run(a, ctx): Promise<ModuleResult> {
    const auth = a.url_username === undefined ? undefined : { username: a.url_username, password: a.url_password ?? '', force: a.force_basic_auth };
    const hide = hideCredentials(auth);
    const script = getUrlScript({
      url: a.url,
      dest: a.dest,
      checksum: a.checksum,
      force: a.force,
      timeout: a.timeout,
      headers: a.headers,
      validate_certs: a.validate_certs,
      tmp_dest: a.tmp_dest,
      backup: a.backup,
      check: ctx.check,
      auth,
    });
    const result = await run(ctx, 'python3 -', { stdin: script, timeoutMs: (a.timeout * 2 + 60) * 1000 });
    if (result.exitCode !== 0) {
      throw new ModuleFailure(hide(`get_url failed on ${ctx.host} (exit ${result.exitCode}; it needs python3 there): ${result.stderr.trim().split('\n').slice(-3).join(' ')}`));
    }
    const out = hideDeep(JSON.parse(result.stdout), hide) as GetUrlOutput;
    // As in Ansible, a download that failed its checksum after replacing the file still reports changed.
    if (out.failed) return { ...out, failed: true };
    // Ansible ends at a 304 before it looks at owner and mode.
    if (out.status_code === 304) return out;
    // A file that a HEAD in check mode says may change is not there to chown yet.
    const predictedNew = ctx.check && out.changed;
    const attributesChanged = !predictedNew && (await ensurePathAttributes(ctx, out.dest, { owner: a.owner, group: a.group, mode: a.mode }));
    const changed = out.changed || attributesChanged;
    const msg = out.msg === 'file already exists' && attributesChanged ? 'file already exists but file attributes changed' : out.msg;
    return { ...out, changed, msg };
  },
};
