import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../../blob/blob-store.ts';
import { linkFile } from '../../blob/link-file.ts';
import { toCocoAnnotation } from '../../coco/label-annotation.ts';
import type { Db } from '../../db/database.ts';
import type { LabelSnapshotRow, SnapshotSplit } from '../datasets/label-snapshot.repository.ts';
import * as snapshotRepo from '../datasets/label-snapshot.repository.ts';
import { uprightImagePath } from '../datasets/oriented-image.ts';

export interface TrainingData {
  train: string;
  val: string;
}

export class SnapshotChangedError extends Error {}

const MARKER = 'snapshot.json';
const IMAGE_BATCH = 500;
const LABEL_BATCH = 5000;

/**
 * Writes a label snapshot as two COCO instances files (train, val) whose images point by absolute `path`
 * at links in the job folder to the blob store's local copies (so an evicted cache entry cannot pull an
 * image from under the trainer). Written once per job folder: a resumed job reads the very same files.
 */
export class TrainingDataWriter {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
  ) {}

  async write(snapshot: LabelSnapshotRow, dir: string): Promise<TrainingData> {
    const files = { train: path.join(dir, 'train.json'), val: path.join(dir, 'val.json') };
    if (await this.alreadyWritten(snapshot.id, dir, files)) return files;
    const found = await snapshotRepo.snapshotIntegrity(this.db, snapshot.id);
    if (found.imagesFound !== found.images || found.labelsFound !== found.labels)
      throw new SnapshotChangedError(
        `the job's label snapshot lost ${found.images - found.imagesFound} image(s) and ` +
          `${found.labels - found.labelsFound} label(s) since it was frozen (deleted or re-imported); create a new job`,
      );
    await fs.mkdir(dir, { recursive: true });
    for (const split of ['train', 'val'] as const) await this.writeSplit(snapshot, split, files[split], dir);
    await fs.writeFile(path.join(dir, MARKER), JSON.stringify({ snapshotId: snapshot.id, ...files }));
    return files;
  }

  private async alreadyWritten(snapshotId: number, dir: string, files: TrainingData): Promise<boolean> {
    try {
      const marker = JSON.parse(await fs.readFile(path.join(dir, MARKER), 'utf8')) as { snapshotId: number };
      if (marker.snapshotId !== snapshotId) return false;
      await Promise.all([fs.access(files.train), fs.access(files.val)]);
      return true;
    } catch {
      return false;
    }
  }

  /** Streams one split to a temporary file and renames it into place, so a crash never leaves half a file. */
  private async writeSplit(
    snapshot: LabelSnapshotRow,
    split: SnapshotSplit,
    file: string,
    dir: string,
  ): Promise<void> {
    const tmp = `${file}.${process.pid}.tmp`;
    const out = createWriteStream(tmp);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    try {
      await write(`{"info":${JSON.stringify({ description: `label snapshot ${snapshot.id}, ${split}` })}`);
      await write(`,"categories":${JSON.stringify(snapshot.categories)},"images":[`);
      let first = true;
      for await (const text of this.imageBatches(snapshot.id, split, dir)) {
        await write(first ? text : `,${text}`);
        first = false;
      }
      await write('],"annotations":[');
      first = true;
      for await (const text of this.labelBatches(snapshot.id, split)) {
        await write(first ? text : `,${text}`);
        first = false;
      }
      await write(']}\n');
      out.end();
      await once(out, 'finish');
      await fs.rename(tmp, file);
    } catch (err) {
      out.destroy();
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  private async *imageBatches(id: number, split: SnapshotSplit, dir: string): AsyncGenerator<string> {
    for (let afterId = 0; ; ) {
      const rows = await snapshotRepo.snapshotImages(this.db, id, split, { afterId, limit: IMAGE_BATCH });
      if (rows.length === 0) return;
      const entries = await Promise.all(
        rows.map(async (img) => {
          const stored = await this.blobs.localPath(img.sha256);
          const linked = await linkFile(stored, path.join(dir, 'images', img.sha256));
          const file = await uprightImagePath(linked, img.mimeType, path.join(dir, 'upright'), img.sha256);
          return JSON.stringify({
            id: img.id,
            file_name: img.fileName,
            width: img.width,
            height: img.height,
            path: file,
          });
        }),
      );
      yield entries.join(',');
      afterId = rows[rows.length - 1].id;
    }
  }

  private async *labelBatches(id: number, split: SnapshotSplit): AsyncGenerator<string> {
    for (let afterId = 0; ; ) {
      const rows = await snapshotRepo.snapshotLabels(this.db, id, split, { afterId, limit: LABEL_BATCH });
      if (rows.length === 0) return;
      // `source` beside the COCO fields: the trainer weighs approved predictions' masks (hyper.approvedMaskWeight).
      yield rows.map((l) => JSON.stringify({ ...toCocoAnnotation(l), source: l.source })).join(',');
      afterId = rows[rows.length - 1].id;
    }
  }
}
