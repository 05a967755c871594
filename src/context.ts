import type { BlobStore } from './blob/blob-store.ts';
import { FsBlobStore } from './blob/fs-blob-store.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { AuthService } from './services/auth.service.ts';
import { CocoService } from './services/coco.service.ts';
import { ImageService } from './services/image.service.ts';
import { LabelService } from './services/label.service.ts';
import { ProjectService } from './services/project.service.ts';

/** Everything a process needs, built once: the composition root shared by serve, worker and tests. */
export interface AppContext {
  config: Config;
  database: Database;
  blobs: BlobStore;
  services: {
    auth: AuthService;
    projects: ProjectService;
    images: ImageService;
    labels: LabelService;
    coco: CocoService;
  };
  close(): Promise<void>;
}

export async function createContext(config: Config, log: (line: string) => void = () => {}): Promise<AppContext> {
  const database = await openDatabase(config, log);
  const blobs = new FsBlobStore(config.blobDir);
  const { db } = database;
  const projects = new ProjectService(db);
  const images = new ImageService(db, blobs, projects, config.upload);
  const services = {
    auth: new AuthService(db),
    projects,
    images,
    labels: new LabelService(db, projects),
    coco: new CocoService(db, projects, images),
  };
  return { config, database, blobs, services, close: () => database.close() };
}
