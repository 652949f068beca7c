/**
 * JSON paths for issues and explanations: `$`, `$.all[1].any[0]`, `$.not`, `$.all[0].value[1]`.
 * Keys that are not plain identifiers use the bracket form with a JSON string (`$["odd key"]`),
 * so a path always parses back unambiguously.
 */
export const ROOT_PATH = '$';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function keyPath(parent: string, key: string): string {
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}
