import { useRef, useState } from 'preact/hooks';
import { api, imageUrl, ok, type Schemas } from '../api.ts';
import { type LiveEvent, useProjectEvents } from '../live.ts';
import { ErrorBox, fmt, Link, Progress, useLoad } from '../ui.tsx';

type Pass = Schemas['Pass'];
const FINISHED = ['completed', 'failed', 'cancelled'];
/** Polling only while the event socket is down. */
const POLL_MS = 5000;

/** Reloads on the project's events about `passId` (or any pass), polling slowly while the socket is down. */
function useLivePass(projectId: number, reload: () => void, passId?: number): boolean {
  return useProjectEvents(projectId, (e: LiveEvent) => {
    const id = e.data.passId;
    if (
      (e.type.startsWith('pass.') || e.type === 'verdicts.ready') &&
      (passId === undefined || id === passId)
    )
      reload();
  });
}

export function PassesPage({ projectId }: { projectId: number }) {
  const [pollMs, setPollMs] = useState<number | undefined>(5000);
  const passes = useLoad(
    () =>
      ok(
        api.GET('/v1/projects/{projectId}/passes', {
          params: { path: { projectId }, query: { limit: 100 } },
        }),
      ),
    [projectId],
    pollMs,
  );
  const live = useLivePass(projectId, passes.reload);
  if (live === (pollMs !== undefined)) setPollMs(live ? undefined : 5000);
  return (
    <section>
      <h1>Passes</h1>
      <ErrorBox error={passes.error} />
      {passes.data?.data.length === 0 && <p>No pass yet.</p>}
      {passes.data && passes.data.data.length > 0 && (
        <table class="passes">
          <caption>Passes of this project</caption>
          <thead>
            <tr>
              <th scope="col">Pass</th>
              <th scope="col">Judge</th>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Approved</th>
              <th scope="col">Rejected</th>
              <th scope="col">Awaiting review</th>
            </tr>
          </thead>
          <tbody>
            {passes.data.data.map((p) => (
              <tr key={p.id} data-pass={p.id}>
                <td>
                  <Link to={`/projects/${projectId}/passes/${p.id}`}>pass {p.id}</Link>
                </td>
                <td>{String(p.judge.kind)}</td>
                <td>version {p.modelVersionId}</td>
                <td>{p.status}</td>
                <td>
                  <Progress value={p.progress.fraction} label={`Progress of pass ${p.id}`} />
                </td>
                <td>{p.counts.approved}</td>
                <td>{p.counts.rejected}</td>
                <td>{p.counts.awaitingReview}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One pass, live: progress, counts, review time, agreement with the oracle, and its images. */
export function PassPage({ projectId, passId }: { projectId: number; passId: number }) {
  const path = { projectId, passId };
  const reload = useRef(() => {});
  const live = useLivePass(projectId, () => reload.current(), passId);
  const pass = useLoad(
    () => ok(api.GET('/v1/projects/{projectId}/passes/{passId}', { params: { path } })),
    [projectId, passId],
    live ? undefined : POLL_MS,
  );
  reload.current = pass.reload;
  const [cursor, setCursor] = useState<string>();
  const images = useLoad(
    () =>
      ok(
        api.GET('/v1/projects/{projectId}/passes/{passId}/images', {
          params: { path, query: { limit: 50, ...(cursor && { cursor }) } },
        }),
      ),
    [projectId, passId, cursor, pass.data?.counts.awaitingReview, pass.data?.status],
  );
  const [selected, setSelected] = useState<number>();
  const p = pass.data;
  return (
    <section>
      <h1>Pass {passId}</h1>
      <ErrorBox error={pass.error} />
      {p && (
        <>
          <div class="row">
            <span>
              Status:{' '}
              <span class="status" data-status={p.status}>
                {p.status}
              </span>{' '}
              · judge {String(p.judge.kind)} · model version {p.modelVersionId} · threshold {p.scoreThreshold}{' '}
              · acceptance {p.acceptance}
            </span>
            <Progress value={p.progress.fraction} label="Pass progress" />
            <span class="muted">{live ? 'live' : 'polling'}</span>
            {p.counts.awaitingReview > 0 && !FINISHED.includes(p.status) && (
              <Link to={`/projects/${projectId}/passes/${passId}/review`}>Review the queue</Link>
            )}
          </div>
          {p.error && <p class="error">Pass failed: {p.error.message}</p>}
          <Counts pass={p} />
          <Agreement pass={p} />
        </>
      )}
      <ErrorBox error={images.error} />
      <table class="pass-images">
        <caption>Images</caption>
        <thead>
          <tr>
            <th scope="col">Image</th>
            <th scope="col">State</th>
            <th scope="col">Verdict</th>
            <th scope="col">Accepted</th>
            <th scope="col">Review s</th>
          </tr>
        </thead>
        <tbody>
          {images.data?.data.map((i) => (
            <tr key={i.imageId} data-image-id={i.imageId}>
              <td>
                <button type="button" class="link" onClick={() => setSelected(i.imageId)}>
                  #{i.imageId}
                </button>
              </td>
              <td>{i.state}</td>
              <td>
                {i.verdict ?? '—'}
                {i.abstained && ' (abstained)'}
              </td>
              <td>{i.accepted ? 'yes' : 'no'}</td>
              <td>{fmt(i.reviewSeconds, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row">
        <button type="button" disabled={!cursor} onClick={() => setCursor(undefined)}>
          First page
        </button>
        <button
          type="button"
          disabled={!images.data?.nextCursor}
          onClick={() => setCursor(images.data?.nextCursor ?? undefined)}
        >
          Next page
        </button>
      </div>
      {selected !== undefined && <PassImageDetail projectId={projectId} passId={passId} imageId={selected} />}
    </section>
  );
}

function Counts({ pass }: { pass: Pass }) {
  const c = pass.counts;
  const rows: [string, number][] = [
    ['images', c.images],
    ['approved', c.approved],
    ['rejected', c.rejected],
    ['abstained', c.abstained],
    ['errors', c.errored],
    ['awaiting review', c.awaitingReview],
    ['pending', c.pending],
    ['accepted as labels', c.accepted],
  ];
  return (
    <table class="counts">
      <caption>Counts</caption>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k} data-count={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
        <tr>
          <th scope="row">review time</th>
          <td>{fmt(pass.reviewSeconds, 1)} s</td>
        </tr>
      </tbody>
    </table>
  );
}

function Agreement({ pass }: { pass: Pass }) {
  const a = pass.agreement;
  if (!a)
    return <p class="muted">No agreement with the oracle yet (it is computed when the pass completes).</p>;
  const c = a.confusion;
  return (
    <table class="agreement">
      <caption>
        Agreement with the oracle: accuracy {fmt(a.accuracy)}, κ {fmt(a.kappa)}, over {a.compared} images
      </caption>
      <thead>
        <tr>
          <td />
          <th scope="col">oracle approves</th>
          <th scope="col">oracle rejects</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">judge approves</th>
          <td>{c.bothApprove}</td>
          <td>{c.judgeApproveOracleReject}</td>
        </tr>
        <tr>
          <th scope="row">judge rejects</th>
          <td>{c.judgeRejectOracleApprove}</td>
          <td>{c.bothReject}</td>
        </tr>
      </tbody>
    </table>
  );
}

interface InstanceVerdict {
  index: number;
  verdict: string;
  note?: string;
}

function PassImageDetail({
  projectId,
  passId,
  imageId,
}: {
  projectId: number;
  passId: number;
  imageId: number;
}) {
  const path = { projectId, passId, imageId };
  const data = useLoad(async () => {
    const [image, overlay] = await Promise.all([
      ok(api.GET('/v1/projects/{projectId}/passes/{passId}/images/{imageId}', { params: { path } })),
      imageUrl(`/v1/projects/${projectId}/passes/${passId}/images/${imageId}/overlay.png`),
    ]);
    return { image, overlay };
  }, [projectId, passId, imageId]);
  const d = data.data;
  const verdicts = (v: unknown) =>
    new Map(((v as { instances?: InstanceVerdict[] } | null)?.instances ?? []).map((i) => [i.index, i]));
  return (
    <section class="pass-image" aria-label={`Pass image ${imageId}`}>
      <h2>Image {imageId}</h2>
      <ErrorBox error={data.error} />
      {d && (
        <div class="row top">
          <img class="overlay" src={d.overlay} alt={`Numbered masks on #${imageId} as the judge saw them`} />
          <table>
            <caption>Instances and verdicts</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Class</th>
                <th scope="col">Score</th>
                <th scope="col">Judge</th>
                <th scope="col">Reviewer</th>
                <th scope="col">Oracle</th>
              </tr>
            </thead>
            <tbody>
              {(d.image.instances ?? []).map((p) => {
                const i = p.drawnIndex as number;
                return (
                  <tr key={p.id}>
                    <th scope="row">{i}</th>
                    <td>{p.categoryName}</td>
                    <td>{p.score.toFixed(2)}</td>
                    <td>{verdicts(d.image.judgeVerdict).get(i)?.verdict ?? '—'}</td>
                    <td>{verdicts(d.image.reviewVerdict).get(i)?.verdict ?? '—'}</td>
                    <td>{verdicts(d.image.oracleVerdict).get(i)?.verdict ?? '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
