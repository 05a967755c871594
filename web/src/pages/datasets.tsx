import { useEffect, useState } from 'preact/hooks';
import { api, fetchBlob, imageUrl, ok, problemText, type Schemas, uploadWithProgress } from '../api.ts';
import { MaskedImage, maskColor } from '../masks.tsx';
import { ErrorBox, Link, Progress, useLoad } from '../ui.tsx';

type Split = 'train' | 'val' | 'test';
type PoolState = 'labeled' | 'unlabeled';
type LabelSource = 'import' | 'human' | 'approved_prediction' | 'none';
interface Filters {
  split?: Split;
  poolState?: PoolState;
  labelSource?: LabelSource;
}

const PAGE = 24;

/** A project's dataset: categories, the image grid with filters and keyset paging, upload, COCO in and out. */
export function DatasetsPage({ projectId }: { projectId: number }) {
  const project = useLoad(
    () => ok(api.GET('/v1/projects/{projectId}', { params: { path: { projectId } } })),
    [projectId],
  );
  const [filters, setFilters] = useState<Filters>({});
  // Keyset paging: the cursors of the pages seen so far, so Previous goes back without offsets.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const [version, setVersion] = useState(0);
  const images = useLoad(
    () =>
      ok(
        api.GET('/v1/projects/{projectId}/images', {
          params: { path: { projectId }, query: { limit: PAGE, ...filters, ...(cursor && { cursor }) } },
        }),
      ),
    [projectId, JSON.stringify(filters), cursor, version],
  );
  const setFilter = (k: keyof Filters) => (e: Event) => {
    const v = (e.currentTarget as HTMLSelectElement).value;
    setFilters({ ...filters, [k]: v || undefined });
    setCursors([undefined]);
  };
  return (
    <section>
      <h1>{project.data?.name ?? 'Dataset'}</h1>
      <ErrorBox error={project.error} />
      {project.data && <Categories project={project.data} onChange={project.reload} />}
      <Upload projectId={projectId} onDone={() => setVersion((v) => v + 1)} />
      <Coco projectId={projectId} onImported={() => setVersion((v) => v + 1)} />
      <h2>Images</h2>
      <div class="row filters">
        <FilterSelect
          id="split"
          label="Split"
          value={filters.split}
          onChange={setFilter('split')}
          options={[
            ['train', 'train'],
            ['val', 'val'],
            ['test', 'test'],
          ]}
        />
        <FilterSelect
          id="poolState"
          label="Pool"
          value={filters.poolState}
          onChange={setFilter('poolState')}
          options={[
            ['labeled', 'labelled'],
            ['unlabeled', 'unlabelled'],
          ]}
        />
        <FilterSelect
          id="labelSource"
          label="Label source"
          value={filters.labelSource}
          onChange={setFilter('labelSource')}
          options={[
            ['import', 'import'],
            ['human', 'human'],
            ['approved_prediction', 'approved prediction'],
            ['none', 'none'],
          ]}
        />
      </div>
      <ErrorBox error={images.error} />
      <ul class="grid-images">
        {images.data?.data.map((img) => (
          <li key={img.id} data-image-id={img.id}>
            <Link to={`/projects/${projectId}/images/${img.id}`}>
              <Thumb path={`/v1/projects/${projectId}/images/${img.id}/original`} alt={img.fileName} />
              <span>
                #{img.id} · {img.split} · {img.poolState}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {images.data?.data.length === 0 && <p>No image matches.</p>}
      <div class="row">
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <span>Page {cursors.length}</span>
        <button
          type="button"
          disabled={!images.data?.nextCursor}
          onClick={() => setCursors([...cursors, images.data?.nextCursor ?? undefined])}
        >
          Next page
        </button>
      </div>
    </section>
  );
}

function FilterSelect(props: {
  id: string;
  label: string;
  value: string | undefined;
  onChange: (e: Event) => void;
  options: [string, string][];
}) {
  return (
    <>
      <label for={`filter-${props.id}`}>{props.label}</label>
      <select id={`filter-${props.id}`} value={props.value ?? ''} onChange={props.onChange}>
        <option value="">any</option>
        {props.options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </>
  );
}

function Thumb({ path, alt }: { path: string; alt: string }) {
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    let url: string | undefined;
    imageUrl(path, abort.signal)
      .then((u) => {
        url = u;
        setSrc(u);
      })
      .catch(() => undefined);
    return () => {
      abort.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [path]);
  return src ? <img src={src} alt={alt} loading="lazy" /> : <span class="thumb-placeholder" />;
}

function Categories({ project, onChange }: { project: Schemas['Project']; onChange: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const add = async (e: Event) => {
    e.preventDefault();
    try {
      await ok(
        api.POST('/v1/projects/{projectId}/categories', {
          params: { path: { projectId: project.id } },
          body: { categories: [{ name }] },
        }),
      );
      setName('');
      setError(undefined);
      onChange();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div>
      <h2>Categories</h2>
      <p>{project.categories.map((c) => `${c.name} (${c.id})`).join(', ') || 'none yet'}</p>
      <form class="row" onSubmit={add}>
        <label for="new-category">New category</label>
        <input id="new-category" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <button type="submit">Add</button>
      </form>
      <ErrorBox error={error} />
    </div>
  );
}

interface FileResult {
  name: string;
  status: 'waiting' | 'uploading' | 'done' | 'duplicate' | 'failed';
  message?: string;
}

/**
 * Drag-and-drop (or choose) upload, one request per file so that one bad file fails alone, with a
 * progress bar over all bytes and the server's problem+json under each file that failed.
 */
function Upload({ projectId, onDone }: { projectId: number; onDone: () => void }) {
  const [results, setResults] = useState<FileResult[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const [over, setOver] = useState(false);
  const [split, setSplit] = useState<Split>('train');
  const send = async (files: File[]) => {
    const total = files.reduce((s, f) => s + f.size, 0) || 1;
    let sent = 0;
    const list: FileResult[] = files.map((f) => ({ name: f.name, status: 'waiting' }));
    setResults([...list]);
    setProgress(0);
    for (const [i, file] of files.entries()) {
      list[i] = { name: file.name, status: 'uploading' };
      setResults([...list]);
      const form = new FormData();
      form.append('files', file, file.name);
      try {
        const res = await uploadWithProgress(`/v1/projects/${projectId}/images?split=${split}`, form, (f) =>
          setProgress((sent + f * file.size) / total),
        );
        list[i] = fileResult(file.name, res.status, res.body);
      } catch (e) {
        list[i] = { name: file.name, status: 'failed', message: (e as Error).message };
      }
      sent += file.size;
      setProgress(sent / total);
      setResults([...list]);
    }
    onDone();
  };
  return (
    <div>
      <h2>Upload images</h2>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the drop zone's keyboard path is the file input inside it */}
      <div
        class={over ? 'dropzone over' : 'dropzone'}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          send([...(e.dataTransfer?.files ?? [])]);
        }}
      >
        <p>Drop image files here, or</p>
        <label>
          choose files{' '}
          <input
            type="file"
            multiple
            accept="image/*"
            onChange={(e) => send([...(e.currentTarget.files ?? [])])}
          />
        </label>
        <label for="upload-split">into split</label>
        <select id="upload-split" value={split} onChange={(e) => setSplit(e.currentTarget.value as Split)}>
          <option value="train">train</option>
          <option value="val">val</option>
          <option value="test">test</option>
        </select>
      </div>
      {progress !== null && <Progress value={progress} label="Upload progress" />}
      <ul class="upload-results">
        {results.map((r) => (
          <li key={r.name} class={r.status} data-file={r.name}>
            {r.name}: {r.status}
            {r.message && (
              <span
                class={r.status === 'failed' ? 'error' : undefined}
                role={r.status === 'failed' ? 'alert' : undefined}
              >
                {' '}
                {r.message}
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function fileResult(name: string, status: number, body: unknown): FileResult {
  if (status === 201) {
    const dup = (body as Schemas['ImageUploadResult']).data?.[0]?.duplicate;
    return { name, status: dup ? 'duplicate' : 'done' };
  }
  const problem = body && typeof body === 'object' ? body : { detail: String(body) };
  return { name, status: 'failed', message: problemText(status, problem) };
}

/** COCO import (a file with the annotations of images already uploaded) and export (a download). */
function Coco({ projectId, onImported }: { projectId: number; onImported: () => void }) {
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<unknown>();
  const importFile = async (file: File) => {
    setError(undefined);
    setMessage(undefined);
    try {
      const body = JSON.parse(await file.text());
      const res = await ok(
        api.POST('/v1/projects/{projectId}/coco-imports', { params: { path: { projectId } }, body }),
      );
      setMessage(`Imported: ${JSON.stringify(res)}`);
      onImported();
    } catch (e) {
      setError(e instanceof SyntaxError ? new Error(`${file.name} is not JSON: ${e.message}`) : e);
    }
  };
  const exportFile = async () => {
    setError(undefined);
    try {
      const blob = await fetchBlob(`/v1/projects/${projectId}/coco-export`);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `project-${projectId}-coco.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <h2>COCO</h2>
      <div class="row">
        <label>
          Import COCO annotations{' '}
          <input
            type="file"
            accept="application/json,.json"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              if (f) importFile(f);
            }}
          />
        </label>
        <button type="button" onClick={exportFile}>
          Export COCO
        </button>
      </div>
      {message && <p role="status">{message}</p>}
      <ErrorBox error={error} />
    </div>
  );
}

/** One image with its labels drawn and listed. */
export function ImagePage({ projectId, imageId }: { projectId: number; imageId: number }) {
  const path = { projectId, imageId };
  const data = useLoad(async () => {
    const [image, labels, project, src] = await Promise.all([
      ok(api.GET('/v1/projects/{projectId}/images/{imageId}', { params: { path } })),
      ok(
        api.GET('/v1/projects/{projectId}/labels', {
          params: { path: { projectId }, query: { imageId, limit: 500 } },
        }),
      ),
      ok(api.GET('/v1/projects/{projectId}', { params: { path: { projectId } } })),
      imageUrl(`/v1/projects/${projectId}/images/${imageId}/original`),
    ]);
    return { image, labels: labels.data, names: new Map(project.categories.map((c) => [c.id, c.name])), src };
  }, [projectId, imageId]);
  const d = data.data;
  return (
    <section>
      <h1>
        Image {imageId}
        {d && <> · {d.image.fileName}</>}
      </h1>
      <ErrorBox error={data.error} />
      {d && (
        <div class="row top">
          <MaskedImage
            src={d.src}
            alt={`${d.image.fileName} with its ${d.labels.length} labels`}
            masks={d.labels.map((l) => ({
              segmentation: l.segmentation,
              label: d.names.get(l.categoryId) ?? '',
              crowd: l.iscrowd,
            }))}
          />
          <div>
            <p>
              {d.image.width}×{d.image.height} · {d.image.split} · {d.image.poolState} · labels of record:{' '}
              {d.image.labelSourceOfRecord ?? 'all'}
            </p>
            <table class="labels">
              <caption>Labels</caption>
              <thead>
                <tr>
                  <th scope="col">Colour</th>
                  <th scope="col">Class</th>
                  <th scope="col">Source</th>
                  <th scope="col">Area</th>
                  <th scope="col">Crowd</th>
                </tr>
              </thead>
              <tbody>
                {d.labels.map((l, i) => (
                  <tr key={l.id}>
                    <td>
                      <span class="swatch" ref={(el) => el?.style.setProperty('background', maskColor(i))} />
                    </td>
                    <td>{d.names.get(l.categoryId) ?? l.categoryId}</td>
                    <td>{l.source}</td>
                    <td>{l.area}</td>
                    <td>{l.iscrowd ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
