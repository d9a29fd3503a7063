/**
 * community.general.pam_limits' edit of limits.conf, line for line as the module makes it
 * (6.x, the collection Debian's ansible 7 ships), quirks included, so a file converged by
 * play is byte for byte the one Ansible writes.
 */

export const PAM_ITEMS = [
  'core', 'data', 'fsize', 'memlock', 'nofile', 'rss', 'stack', 'cpu', 'nproc', 'as', 'maxlogins', 'maxsyslogins', 'priority', 'locks',
  'sigpending', 'msgqueue', 'nice', 'rtprio', 'chroot',
] as const;
export const PAM_TYPES = ['soft', 'hard', '-'] as const;

export interface PamLimit {
  domain: string;
  limit_type: string;
  limit_item: string;
  value: string;
  use_max: boolean;
  use_min: boolean;
  comment: string;
}

const UNLIMITED = ['unlimited', 'infinity', '-1'];

/** Python's int() of a string: optional sign and surrounding whitespace, `_` between digits. */
const PYTHON_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;

function pythonInt(text: string): bigint {
  return BigInt(text.trim().replace(/_/g, ''));
}

/** Why a value is refused (the module's message), or undefined when it is valid for the item. */
export function invalidLimitValue(item: string, value: string, prefix = ''): string | undefined {
  if (item === 'nice' || item === 'priority') {
    if (PYTHON_INT.test(value) && pythonInt(value) >= -20n && pythonInt(value) <= 19n) return undefined;
    return `${prefix} Value of '${value}' for item '${item}' is invalid. Value must be a number in the range -20 to 19 inclusive. Refer to the limits.conf(5) manual pages for more details.`;
  }
  if (UNLIMITED.includes(value) || /^[0-9]+$/.test(value)) return undefined;
  return (
    `${prefix} Value of '${value}' for item '${item}' is invalid. Value must either be 'unlimited', 'infinity' or -1, all of which indicate no limit, ` +
    'or a limit of 0 or larger. Refer to the limits.conf(5) manual pages for more details.'
  );
}

export class InvalidLimit extends Error {}

/** Lines with their `\n`, as Python iterates a file opened in binary mode. */
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * The new text and the module's `msg` (the limit's line as written or kept). Like the module: a
 * comment found on any earlier entry line becomes the new line's comment when `comment` is empty
 * (with that line's newline), `use_max`/`use_min` treat -1 as unlimited for every item, and a file
 * whose last line has no newline gets the new line appended to it.
 */
export function editLimits(text: string, limit: PamLimit, file: string): { text: string; line: string } {
  const out: string[] = [];
  let comment = limit.comment;
  let found = false;
  let newValue = limit.value;
  let message = '';
  const limitLine = () => {
    if (comment) comment = `\t#${comment}`;
    return `${limit.domain}\t${limit.limit_type}\t${limit.limit_item}\t${newValue}${comment}\n`;
  };
  for (const line of linesOf(text)) {
    if (line.startsWith('#')) {
      out.push(line);
      continue;
    }
    const collapsed = line.replace(/\s+/g, ' ').trim();
    if (!collapsed) {
      out.push(line);
      continue;
    }
    const hash = line.indexOf('#');
    const oldComment = hash < 0 ? '' : line.slice(hash + 1);
    if (!comment) comment = oldComment;
    const fields = collapsed.split('#')[0].trimEnd().split(' ');
    if (fields.length !== 4) {
      out.push(line);
      continue;
    }
    const [domain, type, item, actual] = fields;
    const invalid = invalidLimitValue(item, actual, `Invalid configuration found in '${file}'.`);
    if (invalid) throw new InvalidLimit(invalid);
    if (domain !== limit.domain || type !== limit.limit_type || item !== limit.limit_item) {
      out.push(line);
      continue;
    }
    found = true;
    if (limit.value === actual) {
      message = line;
      out.push(line);
      continue;
    }
    newValue = chosenValue(limit, actual, newValue);
    if (newValue !== actual) {
      message = limitLine();
      out.push(message);
    } else {
      message = line;
      out.push(line);
    }
  }
  if (!found) {
    message = limitLine();
    out.push(message);
  }
  return { text: out.join(''), line: message };
}

function chosenValue(limit: PamLimit, actual: string, current: string): string {
  const actualUnlimited = UNLIMITED.includes(actual);
  const valueUnlimited = UNLIMITED.includes(limit.value);
  if (limit.use_max) {
    if (actualUnlimited) return actual;
    if (valueUnlimited) return limit.value;
    const [a, b] = [pythonInt(limit.value), pythonInt(actual)];
    return String(a > b ? a : b);
  }
  if (limit.use_min) {
    if (actualUnlimited) return valueUnlimited ? actual : limit.value;
    if (valueUnlimited) return actual;
    const [a, b] = [pythonInt(limit.value), pythonInt(actual)];
    return String(a < b ? a : b);
  }
  return current;
}
