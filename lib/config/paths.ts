/** A position in the settings tree: object keys, array indices, or `[]` for "every element". */
export type PathSegment = string | number;

export const EACH = '[]';

/** `freeswitch.nodes[0].port`, `freeswitch.nodes[].port`, `callback.maxRetries`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (segment === EACH) text += EACH;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

/** Replaces array indices with `[]`, so a concrete position finds its setting's description. */
export function genericPath(path: readonly PathSegment[]): string[] {
  return path.map((segment) => (typeof segment === 'number' ? EACH : segment));
}

/** Whether `key` (formatted) is `ancestor` itself or lies inside it. */
export function isWithin(key: string, ancestor: string): boolean {
  return key === ancestor || key.startsWith(`${ancestor}.`) || key.startsWith(`${ancestor}[`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getPath(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isPlainObject(current) && typeof segment === 'string') current = current[segment];
    else return undefined;
  }
  return current;
}

/** Sets a value, replacing anything in the way that is not an object (a later source wins). */
export function setPath(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = root;
  path.slice(0, -1).forEach((segment) => {
    const next = current[segment];
    if (isPlainObject(next)) {
      current = next;
    } else {
      const created: Record<string, unknown> = {};
      current[segment] = created;
      current = created;
    }
  });
  const last = path[path.length - 1];
  if (last !== undefined) current[last] = value;
}

export function deletePath(root: Record<string, unknown>, path: readonly string[]): void {
  const parent = getPath(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (isPlainObject(parent) && last !== undefined) delete parent[last];
}
