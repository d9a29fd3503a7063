import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './exec';
import type { HostRecord } from './state';

/**
 * HTTPS listeners carry an ACM certificate on AWS; the lab's stand-in gets a self-signed one for
 * its public address, made once per lab (kept beside the lab's state, removed with it).
 */
export async function listenerCertificate(stateDir: string, lb: HostRecord): Promise<string> {
  const file = path.join(stateDir, 'lb-listener.pem');
  if (!existsSync(file)) {
    const key = path.join(stateDir, 'lb-listener.key');
    const cert = path.join(stateDir, 'lb-listener.crt');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365', '-subj', `/CN=${lb.publicAddress}`, '-addext', `subjectAltName=IP:${lb.publicAddress}`, '-keyout', key, '-out', cert]);
    const pem = (await readFile(cert, 'utf8')) + (await readFile(key, 'utf8'));
    await run('sh', ['-c', 'umask 077; cat > "$1"', 'sh', file], { input: pem });
  }
  return readFile(file, 'utf8');
}
