import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SelectedInstance } from '../../overlay/select-instances.ts';
import type { Category } from './types.ts';

/** A versioned prompt file (prompts/<version>.md): a `<!-- prompt-version: id -->` line, `# System`, `# User`. */
export interface PromptTemplate {
  version: string;
  system: string;
  user: string;
  /** First 12 hex digits of the file's SHA-256, so an edit without a version bump is visible. */
  sha256: string;
}

export interface RenderedPrompt {
  system: string;
  user: string;
}

export const DEFAULT_PROMPT_URL = new URL('../../../prompts/judge-v1.md', import.meta.url);

export async function loadPromptTemplate(file: string | URL = DEFAULT_PROMPT_URL): Promise<PromptTemplate> {
  return parsePromptTemplate(await readFile(file, 'utf8'));
}

export function parsePromptTemplate(text: string): PromptTemplate {
  const normalised = text.replace(/\r\n/g, '\n');
  // An HTML comment, not YAML front matter: Markdown formatters keep it byte for byte.
  const header = /^<!--\s*prompt-version:\s*(\S+)\s*-->\n/.exec(normalised);
  if (!header) throw new Error('prompt template must start with "<!-- prompt-version: <id> -->"');
  const body = normalised.slice(header[0].length);
  const sections = /^# System\n([\s\S]*?)^# User\n([\s\S]*)$/m.exec(body);
  if (!sections) throw new Error('prompt template needs a "# System" and then a "# User" section');
  return {
    version: header[1],
    system: sections[1].trim(),
    user: sections[2].trim(),
    sha256: createHash('sha256').update(text).digest('hex').slice(0, 12),
  };
}

export interface PromptContext {
  categories: readonly Category[];
  selected: readonly SelectedInstance[];
  includeRawImage: boolean;
}

/** One line per drawn instance, in the overlay's numbering; the exact list the overlay drew. */
export function instanceLines(selected: readonly SelectedInstance[]): string {
  if (selected.length === 0) return '(none: the overlay shows no masks)';
  return selected.map(({ index, instance }) => `- #${index}: ${instance.categoryName}`).join('\n');
}

export function renderPrompt(template: PromptTemplate, context: PromptContext): RenderedPrompt {
  const values: Record<string, string> = {
    imageNote: context.includeRawImage
      ? 'The first image is the photo with the predicted masks drawn over it: each instance is filled in its own colour, outlined, and labelled with its number and class. The second image is the same photo without drawings, for detail.'
      : 'The image is the photo with the predicted masks drawn over it: each instance is filled in its own colour, outlined, and labelled with its number and class.',
    categories: context.categories.map((c) => c.name).join(', '),
    instanceCount: String(context.selected.length),
    instances: instanceLines(context.selected),
  };
  return { system: fill(template.system, values), user: fill(template.user, values) };
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`prompt template uses unknown placeholder {{${name}}}`);
    return value;
  });
}
