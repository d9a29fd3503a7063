/** The options of `play <playbook>`, as commander parses them. */
export interface PlayOptions {
  inventory?: string[];
  extraVars?: string[];
  tags?: string[];
  skipTags?: string[];
  limit?: string;
  check?: boolean;
  diff?: boolean;
  forks?: number;
  listHosts?: boolean;
  listTasks?: boolean;
  listTags?: boolean;
  syntaxCheck?: boolean;
  json?: boolean;
  verbose?: number;
  vaultPasswordFile?: string[];
  vaultId?: string[];
  askVaultPassword?: boolean;
  forceHandlers?: boolean;
  startAtTask?: string;
  /** false with --no-probe-batching. */
  probeBatching?: boolean;
  sshStrictHostKeyChecking?: 'yes' | 'accept-new' | 'no';
}
