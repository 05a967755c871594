/** Longest stored file name, in characters (most filesystems allow 255 bytes per name component). */
export const MAX_FILE_NAME_CHARS = 255;

/**
 * C0/C1 controls (NUL cannot be stored in PostgreSQL text at all) and the bidirectional marks, embeddings,
 * overrides and isolates that let a name display as something else (`invoice` U+202E `gpj.exe` shows as `invoiceexe.jpg`).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The name an uploaded file is stored under: unsafe characters removed and at most MAX_FILE_NAME_CHARS
 * characters, keeping the extension so the name still says what the file is. `fallback` when nothing is left.
 * COCO imports apply the same function to `file_name`, so a COCO file still finds the images it was sent with.
 */
export function storedFileName(name: string, fallback: string): string {
  const clean = [...name.replace(UNSAFE_CHARS, '')]; // code points: never split a surrogate pair
  if (clean.length === 0) return fallback;
  if (clean.length <= MAX_FILE_NAME_CHARS) return clean.join('');
  const dot = clean.lastIndexOf('.');
  const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : [];
  return [...clean.slice(0, MAX_FILE_NAME_CHARS - ext.length), ...ext].join('');
}
