/**
 * The path of the first array or object nested deeper than `maxDepth` containers (the root being depth 1),
 * or undefined. Iterative, so a body nested thousands deep cannot overflow the stack while being checked.
 */
export function firstTooDeep(root: unknown, maxDepth: number): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '$', depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxDepth) return path;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        if (typeof value[i] === 'object')
          stack.push({ value: value[i], path: `${path}[${i}]`, depth: depth + 1 });
    } else {
      for (const [key, child] of Object.entries(value))
        if (typeof child === 'object')
          stack.push({ value: child, path: jsonPath(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}

/** `$.info` for a plain key, `$["odd key"]` otherwise. */
export function jsonPath(parent: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
