/** A zod issue path as people write it: app_instances[0].private_ip. */
export function formatFieldPath(fieldPath: readonly PropertyKey[]): string {
  return fieldPath.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}
