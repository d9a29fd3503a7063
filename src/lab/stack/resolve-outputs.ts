import { LabError } from '../exec';

/** `${type.name.attribute}`: a resource's attribute, the one interpolation the lab can stand in for. */
export interface TerraformReference {
  type: string;
  name: string;
  attribute: string;
  /** The interpolation as written, e.g. `${aws_instance.x.private_ip}`. */
  text: string;
}

const REFERENCE = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;

/**
 * Every template sequence Terraform would act on in a string: the escapes `$${` and `%%{` (a literal
 * `${` / `%{`), and `${...}` or `%{...}`, up to the first `}` (a longer expression is refused anyway).
 */
const TEMPLATE_SEQUENCE = /\$\$\{|%%\{|[$%]\{[^}]*\}?/g;

/** The reference `text` is, when it is exactly one `${type.name.attribute}` and nothing else. */
export function parseReference(text: string): TerraformReference | undefined {
  const match = REFERENCE.exec(text);
  return match ? { type: match[1], name: match[2], attribute: match[3], text } : undefined;
}

/**
 * The stack's output values with every `${type.name.attribute}` replaced by what `resolve` gives for
 * it, so the lab publishes the outputs `cdktf deploy` would. Anything else Terraform would evaluate
 * (functions, variables, data sources) is refused: the lab cannot compute it.
 */
export function resolveOutputs(outputs: Record<string, unknown>, resolve: (ref: TerraformReference) => string | undefined, file: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, value]) => {
      const refuse = (expression: string, why: string): never => {
        throw new LabError(`${file}: output ${name}: ${expression}: ${why}`);
      };
      const substitute = (sequence: string): string => {
        if (sequence === '$${' || sequence === '%%{') return sequence.slice(1);
        const ref = parseReference(sequence) ?? refuse(sequence, 'not a plain ${type.name.attribute} reference; the lab cannot evaluate it');
        return resolve(ref) ?? refuse(sequence, 'the lab has no stand-in for it');
      };
      return [name, mapStrings(value, (text) => text.replace(TEMPLATE_SEQUENCE, substitute))];
    }),
  );
}

/** A deep copy of a JSON value with every string passed through `map`. */
function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  return value;
}
