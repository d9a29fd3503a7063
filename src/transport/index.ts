/** play's transport: what the playbook engine and the CLI use. Modules see only `Connection`. */
export * from './connection';
export { createConnectionPool, type ConnectionPool, type ConnectionPoolOptions, type PoolStats } from './pool';
export type { SshTarget } from './target';
export { LocalConnection, type LocalConnectionOptions } from './local-connection';
export { RemoteFileError } from './shell-connection';
export { PASSPHRASE_ENV } from './identities';
export type { HostKeyPolicy } from './ssh-config';
