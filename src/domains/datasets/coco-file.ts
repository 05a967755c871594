/**
 * A COCO instances file as the import reads it, before anything touches the database: its structure,
 * its limits (nesting, bulk in keys nobody reads, names), its ids, and the problems found, each with its
 * JSON path. Pure: the import (`coco.service.ts`) resolves what passes against the project.
 */
import { firstTooDeep, jsonPath } from '../../coco/json-shape.ts';
import { AppError, type InvalidParam } from '../../errors/problem.ts';
import { storedFileName } from './file-name.ts';
import type { ImageRow, Split } from './image.repository.ts';

const MAX_REPORTED_ERRORS = 50;
/** Arrays and objects inside one another; a COCO instances file needs 5 (root, annotations, one, polygons, one). */
const MAX_DEPTH = 8;
/** JSON characters allowed in info, licenses and any other key nobody reads. */
const MAX_EXTRA_CHARS = 64 * 1024;
/** Category names and supercategories, as the REST API takes them. */
const MAX_NAME_CHARS = 200;
/** A longer file_name cannot be any uploaded file's (stored names are capped at MAX_FILE_NAME_CHARS). */
export const MAX_RAW_FILE_NAME_CHARS = 4096;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const SPLITS = new Set(['train', 'val', 'test']);

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The problems found in a COCO file, up to MAX_REPORTED_ERRORS; any one refuses the whole import. */
export class Problems {
  readonly list: InvalidParam[] = [];
  add(name: string, reason: string): void {
    if (this.list.length < MAX_REPORTED_ERRORS) this.list.push({ name, reason });
  }
  throwIfAny(): void {
    if (this.list.length > 0)
      throw new AppError(
        'validation',
        `the COCO file has ${this.list.length} problem(s); nothing was imported`,
        this.list,
      );
  }
}

/** A COCO instances file's three arrays, each item an object. */
export interface CocoStructure {
  images: Json[];
  annotations: Json[];
  categories: Json[];
}

/** The file's structure, or a validation error naming every problem; its categories are checked too. */
export function parseStructure(coco: unknown): CocoStructure {
  const problems = new Problems();
  if (!isObject(coco)) {
    problems.add('$', 'must be a COCO instances object with images, annotations and categories');
    problems.throwIfAny();
  }
  // Before anything walks the body recursively (JSON.stringify in a message, the database's jsonb).
  const tooDeep = firstTooDeep(coco, MAX_DEPTH);
  if (tooDeep) {
    problems.add(tooDeep, `nested deeper than ${MAX_DEPTH} levels (a COCO instances file needs 5)`);
    problems.throwIfAny();
  }
  const root = coco as Json;
  checkExtras(root, problems);
  const arrayOf = (key: keyof CocoStructure): Json[] => {
    const value = root[key];
    if (!Array.isArray(value)) {
      problems.add(`$.${key}`, 'must be an array');
      return [];
    }
    value.forEach((item, i) => {
      if (!isObject(item)) problems.add(`$.${key}[${i}]`, 'must be an object');
    });
    return value as Json[];
  };
  const result = {
    images: arrayOf('images'),
    annotations: arrayOf('annotations'),
    categories: arrayOf('categories'),
  };
  problems.throwIfAny();
  // Bad categories are refused here, before any of them is inserted; annotation problems are collected later.
  checkCategories(result.categories, problems);
  problems.throwIfAny();
  return result;
}

/**
 * Keys other than images, annotations and categories (info, licenses) are read by nobody, so they may
 * not carry bulk: a whole second COCO file under `info` would otherwise be accepted and silently ignored.
 */
function checkExtras(root: Json, problems: Problems): void {
  if (root.info !== undefined && !isObject(root.info)) problems.add('$.info', 'must be an object');
  let chars = 0;
  for (const [key, value] of Object.entries(root)) {
    if (key === 'images' || key === 'annotations' || key === 'categories') continue;
    chars += JSON.stringify(value)?.length ?? 0;
    if (chars <= MAX_EXTRA_CHARS) continue;
    problems.add(
      jsonPath('$', key),
      `keys other than images, annotations and categories may hold ${MAX_EXTRA_CHARS} characters of JSON together`,
    );
    return;
  }
}

/** A COCO id: an integer, or a short non-empty string as some tools write. */
export const isCocoId = (v: unknown): boolean =>
  Number.isSafeInteger(v) || (typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME_CHARS);
export const ID_REASON = `must be an integer or a string of 1 to ${MAX_NAME_CHARS} characters`;

/** Category names as REST takes them; one id is one name and one name one id, or classes would merge. */
function checkCategories(categories: Json[], problems: Problems): void {
  const byId = new Map<unknown, number>();
  const byName = new Map<string, number>();
  for (const [i, cat] of categories.entries()) {
    const at = `$.categories[${i}]`;
    const nameProblem = checkName(cat.name, false);
    if (nameProblem) problems.add(`${at}.name`, nameProblem);
    const superProblem = cat.supercategory === null ? undefined : checkName(cat.supercategory, true);
    if (superProblem) problems.add(`${at}.supercategory`, superProblem);
    if (!Number.isSafeInteger(cat.id)) problems.add(`${at}.id`, 'must be an integer');
    if (nameProblem || !Number.isSafeInteger(cat.id)) continue;
    const name = cat.name as string;
    const sameId = byId.get(cat.id);
    if (sameId !== undefined && categories[sameId].name !== name)
      problems.add(
        `${at}.id`,
        `id ${cat.id} is also $.categories[${sameId}] named ${JSON.stringify(categories[sameId].name)}`,
      );
    const sameName = byName.get(name);
    if (sameName !== undefined && categories[sameName].id !== cat.id)
      problems.add(`${at}.name`, `${JSON.stringify(name)} is also $.categories[${sameName}].name`);
    if (sameId === undefined) byId.set(cat.id, i);
    if (sameName === undefined) byName.set(name, i);
  }
}

function checkName(value: unknown, optional: boolean): string | undefined {
  if (optional && value === undefined) return undefined;
  if (typeof value !== 'string' || (!optional && value === ''))
    return optional ? 'must be a string' : 'must be a non-empty string';
  if (value.length > MAX_NAME_CHARS) return `must be at most ${MAX_NAME_CHARS} characters`;
  if (CONTROL_CHARS.test(value)) return 'must not contain control characters';
  return undefined;
}

/** Image and category ids of every annotation, and annotation ids unique where given. */
export function checkAnnotationIds(annotations: Json[], problems: Problems): void {
  const seen = new Map<unknown, number>();
  for (const [i, ann] of annotations.entries()) {
    const at = `$.annotations[${i}]`;
    for (const key of ['image_id', 'category_id'] as const)
      if (!isCocoId(ann[key])) problems.add(`${at}.${key}`, ID_REASON);
    if (ann.id === undefined) continue;
    const first = seen.get(ann.id);
    if (!isCocoId(ann.id)) problems.add(`${at}.id`, ID_REASON);
    else if (first !== undefined) problems.add(`${at}.id`, `duplicates $.annotations[${first}].id`);
    else seen.set(ann.id, i);
  }
}

/** The name a COCO `file_name` is looked up by, or undefined when it is not a usable name. */
export function cocoFileName(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > MAX_RAW_FILE_NAME_CHARS) return undefined;
  const name = storedFileName(value, '');
  return name === '' ? undefined : name;
}

/** A value as a message shows it, so that 160 and "160" or 160.5 never read alike. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number') return `${v}`;
  return `${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`;
}

/** The split each image of the file names, where it names one: images by split. */
export function splitsFromFile(fileImages: Json[], imageMap: Map<unknown, ImageRow>): Map<Split, number[]> {
  const bySplit = new Map<Split, number[]>();
  for (const img of fileImages) {
    const row = imageMap.get(img.id);
    if (!row || typeof img.split !== 'string' || !SPLITS.has(img.split)) continue;
    const split = img.split as Split;
    bySplit.set(split, [...(bySplit.get(split) ?? []), row.id]);
  }
  return bySplit;
}
