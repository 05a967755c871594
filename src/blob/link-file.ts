import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Makes `dest` a hard link to `src` (a copy across filesystems): the job folder then holds its own name
 * for the bytes, which survive the blob cache evicting `src` and go when the folder is removed.
 */
export async function linkFile(src: string, dest: string): Promise<string> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  try {
    await fs.link(src, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return dest;
    if (code !== 'EXDEV' && code !== 'EPERM') throw err;
    const tmp = `${dest}.${process.pid}.tmp`;
    await fs.copyFile(src, tmp);
    await fs.rename(tmp, dest);
  }
  return dest;
}
