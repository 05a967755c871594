/** One container on the walk's stack; the path is rebuilt from the parents only when it is reported. */
interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
}

/**
 * The path of the first array or object nested deeper than `maxDepth` containers (the root being depth 1),
 * or undefined. Iterative, so a body nested thousands deep cannot overflow the stack while being checked;
 * it visits only containers and builds no strings, so a large COCO file costs little.
 */
export function firstTooDeep(root: unknown, maxDepth: number): string | undefined {
  if (typeof root !== 'object' || root === null) return undefined;
  const stack: Frame[] = [{ value: root, depth: 1, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > maxDepth) return pathOf(frame);
    const { value, depth } = frame;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        const child = value[i];
        if (typeof child === 'object' && child !== null)
          stack.push({ value: child, depth: depth + 1, parent: frame, key: i });
      }
    } else {
      for (const key in value) {
        const child = (value as Record<string, unknown>)[key];
        if (typeof child === 'object' && child !== null)
          stack.push({ value: child, depth: depth + 1, parent: frame, key });
      }
    }
  }
  return undefined;
}

function pathOf(frame: Frame): string {
  const keys: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) keys.push(f.key);
  return keys.reduceRight<string>(
    (path, key) => (typeof key === 'number' ? `${path}[${key}]` : jsonPath(path, key)),
    '$',
  );
}

/** `$.info` for a plain key, `$["odd key"]` otherwise. */
export function jsonPath(parent: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
