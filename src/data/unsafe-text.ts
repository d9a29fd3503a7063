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
