/**
 * A rule document that cannot be used: names the file, the JSON path inside it and the reason,
 * so an operator can fix it without reading code. Loading stops at the first one; the rule set
 * in force (if any) stays.
 */
export class RuleFileError extends Error {
  readonly file: string;
  /** JSONPath of the offending value, "$" for the whole document. */
  readonly path: string;
  readonly reason: string;

  constructor(file: string, path: string, reason: string) {
    super(`${file}: ${path}: ${reason}`);
    this.name = 'RuleFileError';
    this.file = file;
    this.path = path;
    this.reason = reason;
  }
}

/** "/rules/0/limits/1" (JSON Pointer, as ajv reports) to "$.rules[0].limits[1]". */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '$';
  return pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, token) => {
      if (/^\d+$/.test(token)) return `${path}[${token}]`;
      if (/^[A-Za-z_$][\w$-]*$/.test(token)) return `${path}.${token}`;
      return `${path}[${JSON.stringify(token)}]`;
    }, '$');
}
