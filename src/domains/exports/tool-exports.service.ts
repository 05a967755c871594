import { sql } from 'drizzle-orm';
import { decompress } from '../../coco/coco-rle.ts';
import type { Db } from '../../db/database.ts';
import { notFound } from '../../errors/problem.ts';
import type { ImageFilter, ImageRow } from '../datasets/image.repository.ts';
import * as imageRepo from '../datasets/image.repository.ts';
import type { ProjectService } from '../projects/project.service.ts';

const BATCH = 2000;

/** One row of a COCO results file: pycocotools' loadRes fields, then where it came from and its verdicts. */
interface ResultRow {
  id: number;
  image_id: number;
  category_id: number;
  height: number;
  width: number;
  rle: string;
  bbox: number[];
  score: number;
  area: number;
  pass_id: number;
  model_version_id: number;
  drawn_index: number | null;
  image_verdict: string | null;
  accepted: boolean;
  judge: string | null;
  judge_instances: { index: number; verdict: string }[] | null;
  review_instances: { index: number; verdict: string }[] | null;
}

/**
 * Files that other tools load as they are: COCO results (pycocotools' `loadRes`, FiftyOne's
 * `add_coco_labels`) of a pass or of a model version, and COCO 1.0 as CVAT imports it. Streamed in
 * batches, like the COCO export, so a large project never sits in memory as one object.
 */
export class ToolExportService {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
  ) {}

  /** Every prediction of the pass (also those under its threshold: AP needs them), with its verdicts. */
  async passResults(projectId: number, passId: number): Promise<AsyncGenerator<string>> {
    const found = await this.db.execute(
      sql`select 1 from passes where project_id = ${projectId} and id = ${passId}`,
    );
    if (found.rows.length === 0) throw notFound('pass', passId);
    return this.results(sql`p.pass_id = ${passId}`);
  }

  /**
   * The version's predictions over every image it predicted: per image, those of the latest pass that
   * predicted it, so an image predicted by two passes of the same model is counted once.
   */
  async modelVersionResults(projectId: number, versionId: number): Promise<AsyncGenerator<string>> {
    const found = await this.db.execute(
      sql`select 1 from model_versions where project_id = ${projectId} and id = ${versionId}`,
    );
    if (found.rows.length === 0) throw notFound('model version', versionId);
    return this.results(sql`(p.pass_id, p.image_id) in (
      select distinct on (pi.image_id) pi.pass_id, pi.image_id
      from pass_images pi join passes ps on ps.id = pi.pass_id
      where ps.project_id = ${projectId} and ps.model_version_id = ${versionId} and pi.predicted_at is not null
      order by pi.image_id, pi.pass_id desc)`);
  }

  private async *results(where: ReturnType<typeof sql>): AsyncGenerator<string> {
    yield '[';
    let first = true;
    for (let afterId = 0; ; ) {
      const { rows } = await this.db.execute<ResultRow & Record<string, unknown>>(sql`
        select p.id::int, p.image_id::int, p.category_id::int, p.height, p.width, p.rle, p.bbox, p.score,
          p.area, p.pass_id::int, p.model_version_id::int, p.drawn_index, pi.verdict as image_verdict,
          pi.accepted, ps.judge->>'kind' as judge, pi.judge_verdict->'instances' as judge_instances,
          pi.review_verdict->'instances' as review_instances
        from predictions p
        join passes ps on ps.id = p.pass_id
        join pass_images pi on pi.pass_id = p.pass_id and pi.image_id = p.image_id
        where ${where} and p.id > ${afterId}
        order by p.id limit ${BATCH}`);
      if (rows.length === 0) break;
      const text = rows.map((r) => JSON.stringify(toResult(r))).join(',');
      yield first ? text : `,${text}`;
      first = false;
      afterId = rows[rows.length - 1].id;
    }
    yield ']\n';
  }

  /**
   * COCO 1.0 as CVAT imports it (Datumaro's COCO reader): images by bare file name, masks as
   * uncompressed RLE the way CVAT's own COCO 1.0 export writes them, `licenses` and `info` present,
   * and the labels of record of each labelled image (what the project would train on); unlabelled
   * images come without annotations, so a pool can be labelled in CVAT.
   */
  async *cvatCoco(projectId: number, filter: ImageFilter = {}): AsyncGenerator<string> {
    const project = await this.projects.get(projectId);
    const info = { contributor: '', date_created: new Date().toISOString(), description: project.name };
    const categories = project.categories.map((c) => ({
      id: c.id,
      name: c.name,
      supercategory: c.supercategory ?? '',
    }));
    yield `{"licenses":[{"name":"","id":0,"url":""}],"info":${JSON.stringify(info)},"categories":${JSON.stringify(categories)},"images":[`;
    let first = true;
    for await (const images of this.imageBatches(projectId, filter)) {
      const text = images.map((i) => JSON.stringify(cvatImage(i))).join(',');
      yield first ? text : `,${text}`;
      first = false;
    }
    yield '],"annotations":[';
    first = true;
    for await (const images of this.imageBatches(projectId, filter)) {
      const annotations = await this.cvatAnnotations(images);
      if (annotations.length === 0) continue;
      yield (first ? '' : ',') + annotations.join(',');
      first = false;
    }
    yield ']}\n';
  }

  private async *imageBatches(projectId: number, filter: ImageFilter): AsyncGenerator<ImageRow[]> {
    for (let afterId = 0; ; ) {
      const images = await imageRepo.listImages(this.db, projectId, filter, { afterId, limit: BATCH });
      if (images.length === 0) return;
      yield images;
      afterId = images[images.length - 1].id;
    }
  }

  private async cvatAnnotations(images: ImageRow[]): Promise<string[]> {
    const labelled = images.filter((i) => i.poolState === 'labeled').map((i) => i.id);
    if (labelled.length === 0) return [];
    const { rows } = await this.db.execute<Record<string, unknown>>(sql`
      select l.id::int, l.image_id::int, l.category_id::int, l.rle, l.height, l.width, l.bbox, l.area, l.iscrowd
      from labels l join images i on i.id = l.image_id
      where l.image_id in (${sql.join(labelled, sql`, `)})
        and (i.label_source_of_record is null or l.source = i.label_source_of_record)
      order by l.id`);
    return rows.map((r) => {
      const rle = decompress({ size: [r.height as number, r.width as number], counts: r.rle as string });
      return JSON.stringify({
        id: r.id,
        image_id: r.image_id,
        category_id: r.category_id,
        segmentation: { size: rle.size, counts: rle.counts },
        area: r.area,
        bbox: r.bbox,
        iscrowd: r.iscrowd ? 1 : 0,
        attributes: { occluded: false },
      });
    });
  }
}

function toResult(r: ResultRow) {
  // A reviewer's per-instance verdicts, when there are any, overrule the machine judge's.
  const instances = r.review_instances ?? r.judge_instances ?? [];
  const mine = r.drawn_index === null ? undefined : instances.find((i) => i.index === r.drawn_index);
  return {
    image_id: r.image_id,
    category_id: r.category_id,
    segmentation: { size: [r.height, r.width], counts: r.rle },
    bbox: r.bbox,
    score: r.score,
    area: r.area,
    prediction_id: r.id,
    pass_id: r.pass_id,
    model_version_id: r.model_version_id,
    drawn_index: r.drawn_index,
    image_verdict: r.image_verdict,
    instance_verdict: mine?.verdict ?? null,
    accepted: r.accepted,
    judge: r.judge,
  };
}

/** CVAT matches annotations to task frames by file name; it wants no path and these keys. */
function cvatImage(i: ImageRow) {
  return {
    id: i.id,
    width: i.width,
    height: i.height,
    file_name: i.fileName.split(/[\\/]/).pop(),
    license: 0,
    flickr_url: '',
    coco_url: '',
    date_captured: 0,
  };
}
