export interface TokenLogprob {
  token: string;
  logprob: number;
}

/**
 * Probability the model gave to the value it wrote for `key` (e.g. "approve" for
 * `"image_verdict": "approve"`): the product of the probabilities of the tokens that spell it.
 * Undefined when the tokens do not spell the content (cannot align) or the key is absent.
 */
export function valueConfidence(
  content: string,
  tokens: readonly TokenLogprob[] | null | undefined,
  key: string,
): number | undefined {
  if (!tokens || tokens.length === 0 || tokens.map((t) => t.token).join('') !== content) return undefined;
  const span = lastValueSpan(content, key);
  if (!span) return undefined;
  let logprob = 0;
  let offset = 0;
  for (const { token, logprob: lp } of tokens) {
    const end = offset + token.length;
    if (end > span.start && offset < span.end) logprob += lp;
    offset = end;
  }
  return Math.min(1, Math.exp(logprob));
}

/** Character span of the string value of the last unescaped `"key": "..."` in `content`. */
function lastValueSpan(content: string, key: string): { start: number; end: number } | undefined {
  const pattern = new RegExp(`"${key}"\\s*:\\s*"([^"\\\\]*)"`, 'g');
  let span: { start: number; end: number } | undefined;
  for (const match of content.matchAll(pattern)) {
    if (match.index > 0 && content[match.index - 1] === '\\') continue;
    const start = match.index + match[0].length - 1 - match[1].length;
    span = { start, end: start + match[1].length };
  }
  return span;
}
