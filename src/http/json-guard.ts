/**
 * Checks a JSON text that JSON.parse accepted for what JSON.parse quietly lets through:
 * - duplicate keys ({"phone": "+1 415…", "phone": "+44…"}): JSON.parse keeps the last one, while
 *   a proxy, a WAF or a log may read the first, so the throttle and the handler could disagree;
 * - "__proto__", "constructor" and "prototype" keys, the raw material of prototype pollution in
 *   any code that later merges the object;
 * - nesting deeper than any real payload, which costs every later recursive walk.
 * One pass over the text, iterative, so a hostile body cannot exhaust the stack.
 */
export const MAX_JSON_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `path` names the field as validation errors do ("phone", "a.b"), or "body" for the whole. */
export type JsonProblem = { path: string; reason: string };

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** Assumes `text` is valid JSON (JSON.parse succeeded). Returns the first problem, if any. */
export function findJsonProblem(text: string, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  const stack: Array<{ keys: Set<string> | undefined; expectKey: boolean; path: string }> = [];
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      while (text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c /* \ */ ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        // Decoded, so "\u0070hone" and "phone" are the same key.
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (FORBIDDEN_KEYS.has(key)) return { path: join(top.path, key), reason: `key "${key}" is not allowed` };
        if (top.keys.has(key)) return { path: join(top.path, key), reason: `key "${key}" appears twice` };
        top.keys.add(key);
        top.expectKey = false;
        lastKey = key;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      // Array items add no segment: the field is the array ("name" for {"name": [[[...]]]}).
      const path = parent === undefined ? '' : parent.keys ? join(parent.path, lastKey) : parent.path;
      if (stack.length >= maxDepth) return { path: path || 'body', reason: `nesting is deeper than ${maxDepth} levels` };
      stack.push({ keys: c === 0x7b ? new Set() : undefined, expectKey: c === 0x7b, path });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return undefined;
}
