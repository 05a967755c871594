import { describe, expect, it } from 'vitest';
import { valueConfidence } from '../../../src/domains/judging/logprob-confidence.ts';
import { answerSchema, parseModelAnswer } from '../../../src/domains/judging/model-answer.ts';
import { parsePromptTemplate, renderPrompt } from '../../../src/domains/judging/prompt.ts';

const answer = {
  instances: [{ index: 1, verdict: 'correct', note: '' }],
  missed_objects: [],
  reason: 'fine',
  image_verdict: 'approve',
};

describe('parseModelAnswer', () => {
  it('accepts exactly one valid object, bare or wrapped', () => {
    expect(parseModelAnswer(JSON.stringify(answer))).toEqual({ ok: true, answer });
    expect(parseModelAnswer(`Sure! {"x": "}"} is not it.\n${JSON.stringify(answer)}`).ok).toBe(false);
    expect(
      parseModelAnswer(`Verdict:\n\`\`\`json\n${JSON.stringify(answer, null, 2)}\n\`\`\`\nDone.`).ok,
    ).toBe(true);
  });

  it('refuses prose, two objects, truncated JSON and schema violations', () => {
    expect(parseModelAnswer('yes').ok).toBe(false);
    expect(parseModelAnswer(`${JSON.stringify(answer)} ${JSON.stringify(answer)}`)).toMatchObject({
      ok: false,
      message: '2 JSON objects in the answer',
    });
    expect(parseModelAnswer(JSON.stringify(answer).slice(0, -2)).ok).toBe(false);
    expect(parseModelAnswer(JSON.stringify({ ...answer, image_verdict: 'yes' })).ok).toBe(false);
    expect(parseModelAnswer(JSON.stringify({ ...answer, extra: 1 })).ok).toBe(false);
  });

  it('keeps braces inside strings from splitting the object', () => {
    const tricky = { ...answer, reason: 'a { brace } and a "quote"' };
    expect(parseModelAnswer(`note: ${JSON.stringify(tricky)}`)).toEqual({ ok: true, answer: tricky });
  });
});

describe('answerSchema', () => {
  it('enumerates the drawn indexes and the project classes for strict decoding', () => {
    const schema = answerSchema([1, 2], ['book']);
    expect(schema.properties.instances.items.properties.index).toEqual({ type: 'integer', enum: [1, 2] });
    expect(schema.properties.missed_objects.items.properties.category).toEqual({
      type: 'string',
      enum: ['book'],
    });
    expect(schema.required).toEqual(['instances', 'missed_objects', 'reason', 'image_verdict']);
  });
});

describe('valueConfidence', () => {
  const content = '{"reason":"ok","image_verdict":"approve"}';
  const tokens = (lp: number) =>
    (content.match(/[A-Za-z_]+|[^A-Za-z_]/g) ?? []).map((token) => ({
      token,
      logprob: token === 'approve' ? lp : 0,
    }));

  it('is the probability of the tokens spelling the image verdict', () => {
    expect(valueConfidence(content, tokens(Math.log(0.6)), 'image_verdict')).toBeCloseTo(0.6);
  });

  it('multiplies a value split over several tokens', () => {
    const split = [
      { token: '{"reason":"ok","image_verdict":"', logprob: 0 },
      { token: 'appro', logprob: Math.log(0.5) },
      { token: 've', logprob: Math.log(0.8) },
      { token: '"}', logprob: 0 },
    ];
    expect(valueConfidence(content, split, 'image_verdict')).toBeCloseTo(0.4);
  });

  it('is undefined when tokens do not spell the content or are absent', () => {
    expect(valueConfidence(content, [{ token: 'x', logprob: 0 }], 'image_verdict')).toBeUndefined();
    expect(valueConfidence(content, null, 'image_verdict')).toBeUndefined();
  });
});

describe('prompt templates', () => {
  const text =
    '<!-- prompt-version: test-v2 -->\n# System\nBe careful.\n\n# User\nClasses: {{categories}}\n{{instances}}\n';

  it('reads the version and sections and fills the placeholders', () => {
    const template = parsePromptTemplate(text);
    expect(template).toMatchObject({ version: 'test-v2', system: 'Be careful.' });
    expect(template.sha256).toMatch(/^[0-9a-f]{12}$/);
    const rendered = renderPrompt(template, {
      categories: [{ id: 1, name: 'bird' }],
      selected: [],
      includeRawImage: false,
    });
    expect(rendered.user).toBe('Classes: bird\n(none: the overlay shows no masks)');
  });

  it('refuses unknown placeholders and a missing version line', () => {
    const bad = parsePromptTemplate(text.replace('{{instances}}', '{{nope}}'));
    expect(() => renderPrompt(bad, { categories: [], selected: [], includeRawImage: false })).toThrow(/nope/);
    expect(() => parsePromptTemplate('# System\nx\n# User\ny')).toThrow(/prompt-version/);
  });
});
