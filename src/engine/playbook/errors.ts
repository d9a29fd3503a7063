import { formatOrigin, type Origin } from './types';

/**
 * A problem in a playbook, role or task file, found before any host is contacted. The message
 * starts with `file:line` so an editor can jump to it.
 */
export class PlaybookError extends Error {
  constructor(
    readonly detail: string,
    readonly origin?: Origin,
  ) {
    super(origin ? `${formatOrigin(origin)}: ${detail}` : detail);
    this.name = 'PlaybookError';
  }
}
