/**
 * `!unsafe` text (Ansible: never templated). It is stored as a template that renders to the
 * text itself, every `{{` written as `{{ '{{' }}` (the idiom Ansible documents for literal
 * braces), so every path that renders values (task arguments, variables read through the lazy
 * view, Handlebars templates reading a variable) yields the text unchanged, without a wrapper
 * type every module would have to know.
 */
export const LITERAL_OPEN = "{{ '{{' }}";

export function unsafeText(text: string): string {
  return text.replaceAll('{{', LITERAL_OPEN);
}

/** The text without its escaped braces, for checks on what the author wrote as syntax. */
export function withoutLiteralBraces(text: string): string {
  return text.replaceAll(LITERAL_OPEN, '');
}

/**
 * Data from outside the playbook (what a host returns: registered results, facts) made `!unsafe`
 * at any depth, so that a `{{ }}` a host sends is text, never a template the controller renders
 * (it would read controller files and environment through `lookup`). Unchanged values are
 * returned as they are: the common result holds no `{{` and costs no copy.
 */
export function unsafeData<T>(value: T): T;
export function unsafeData(value: unknown): unknown {
  if (typeof value === 'string') return unsafeText(value);
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => unsafeData(item));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    const marked = entries.map(([key, item]) => [key, unsafeData(item)] as const);
    return marked.some(([, item], i) => item !== entries[i][1]) ? Object.fromEntries(marked) : value;
  }
  return value;
}
