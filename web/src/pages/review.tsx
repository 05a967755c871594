import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, imageUrl, ok, type Schemas } from '../api.ts';
import { ErrorBox, Link, Progress } from '../ui.tsx';

type Item = Schemas['ReviewItem'];
type Decision = 'approve' | 'reject';
type RejectKind = 'bad_mask' | 'wrong_class' | 'not_an_object';

/** A leased image with its two pictures already fetched and decoded (object URLs). */
interface Loaded {
  item: Item;
  overlay: string;
  original: string;
}

interface Submitted {
  item: Item;
  verdict: Decision;
}

interface JudgeInstance {
  index: number;
  verdict: string;
  note?: string;
}

/** How many images the page holds at once: the one shown and the next, prefetched. */
const LOOKAHEAD = 2;

/**
 * The human review queue of a pass, keyboard first: A approves all, R rejects all, 1-9 toggle an
 * instance, Enter submits, O toggles the original. The next image is leased and fetched while this one
 * is reviewed, so submitting shows it at once.
 */
export function ReviewPage({ projectId, passId }: { projectId: number; passId: number }) {
  const queue = useReviewQueue(projectId, passId);
  const current = queue.items[0];
  const [decisions, setDecisions] = useState<Map<number, Decision>>(new Map());
  const [kinds, setKinds] = useState<Map<number, RejectKind>>(new Map());
  const [rejectImage, setRejectImage] = useState(false);
  const [showOriginal, setShowOriginal] = useState(false);

  // A fresh image starts with every instance approved: the reviewer marks what is wrong.
  const currentId = current?.item.imageId;
  useEffect(() => {
    setDecisions(new Map(current?.item.instances.map((p) => [p.drawnIndex as number, 'approve'])));
    setKinds(new Map());
    setRejectImage(false);
  }, [currentId]);

  const setAll = (d: Decision) => {
    setDecisions(new Map(current?.item.instances.map((p) => [p.drawnIndex as number, d])));
    setRejectImage(d === 'reject');
  };
  const toggle = (index: number) =>
    setDecisions((m) => {
      if (!m.has(index)) return m;
      const next = new Map(m);
      next.set(index, m.get(index) === 'approve' ? 'reject' : 'approve');
      return next;
    });
  const verdict: Decision = rejectImage || [...decisions.values()].includes('reject') ? 'reject' : 'approve';
  const submit = () => current && queue.submit(current.item, verdict, decisions, kinds);

  useKeys({
    a: () => setAll('approve'),
    r: () => setAll('reject'),
    enter: submit,
    u: queue.undo,
    o: () => setShowOriginal((s) => !s),
    digit: toggle,
  });

  return (
    <section class="review">
      <h1>
        Review — <Link to={`/projects/${projectId}/passes/${passId}`}>pass {passId}</Link>
      </h1>
      <QueueStatus queue={queue} />
      <ErrorBox error={queue.error} />
      {queue.done && <p role="status">Nothing is waiting for review in this pass.</p>}
      {current && (
        <div class="review-body" data-image-id={current.item.imageId}>
          <figure class="review-images">
            <img
              src={showOriginal ? current.original : current.overlay}
              alt={`${showOriginal ? 'Original of' : 'Numbered masks on'} #${current.item.imageId}`}
            />
            <figcaption>
              Image {current.item.imageId} · {showOriginal ? 'original' : 'overlay'}{' '}
              <button type="button" aria-pressed={showOriginal} onClick={() => setShowOriginal((s) => !s)}>
                Show {showOriginal ? 'overlay' : 'original'} (O)
              </button>
            </figcaption>
          </figure>
          <div class="review-side">
            <JudgeSummary verdict={current.item.judgeVerdict} />
            <InstanceTable
              item={current.item}
              decisions={decisions}
              kinds={kinds}
              onToggle={toggle}
              onKind={(i, k) => setKinds((m) => new Map(m).set(i, k))}
            />
            <div class="actions">
              <button type="button" onClick={() => setAll('approve')}>
                Approve all (A)
              </button>
              <button type="button" onClick={() => setAll('reject')}>
                Reject all (R)
              </button>
              <button type="button" class="primary" onClick={submit}>
                Submit: {verdict} (Enter)
              </button>
            </div>
            <p class="hint">
              Keys: A approve all · R reject all · 1-9 toggle an instance · Enter submit · O original
            </p>
          </div>
        </div>
      )}
      {queue.last && (
        <p role="status" class="muted">
          #{queue.last.item.imageId} {queue.last.verdict === 'approve' ? 'approved' : 'rejected'}.{' '}
          <button type="button" onClick={queue.undo} disabled={queue.busy}>
            Undo (U)
          </button>
        </p>
      )}
    </section>
  );
}

function QueueStatus({ queue }: { queue: ReviewQueue }) {
  const now = useNow();
  const pass = queue.pass;
  const lease = queue.items[0]?.item.leaseExpiresAt;
  const left = lease ? Math.max(0, Math.round((Date.parse(lease) - now) / 1000)) : null;
  const reviewed = pass ? pass.counts.images - pass.counts.awaitingReview - pass.counts.pending : 0;
  return (
    <div class="queue-status">
      {pass && (
        <>
          <Progress
            value={pass.counts.images ? reviewed / pass.counts.images : 0}
            label="Images of the pass judged"
          />
          <span>
            {pass.counts.awaitingReview} awaiting review · {pass.counts.approved} approved ·{' '}
            {pass.counts.rejected} rejected · {pass.counts.images} images
          </span>
        </>
      )}
      {left !== null && (
        <span class={left < 60 ? 'lease warn' : 'lease'}>
          Lease: {Math.floor(left / 60)}:{String(left % 60).padStart(2, '0')} left
        </span>
      )}
    </div>
  );
}

function JudgeSummary({ verdict }: { verdict: Item['judgeVerdict'] }) {
  if (!verdict) return <p class="muted">No machine verdict: this image is for people to judge.</p>;
  const v = verdict as { verdict?: string; reason?: string; confidence?: number; judge?: { kind?: string } };
  return (
    <p class="judge">
      Judge ({v.judge?.kind ?? 'machine'}) said <strong>{v.verdict}</strong>
      {v.confidence !== undefined && <> with confidence {v.confidence.toFixed(2)}</>}
      {v.reason && <>: {v.reason}</>}
    </p>
  );
}

function InstanceTable(props: {
  item: Item;
  decisions: Map<number, Decision>;
  kinds: Map<number, RejectKind>;
  onToggle: (index: number) => void;
  onKind: (index: number, kind: RejectKind) => void;
}) {
  const judged = new Map(
    (
      ((props.item.judgeVerdict as { instances?: JudgeInstance[] } | null)?.instances ??
        []) as JudgeInstance[]
    ).map((i) => [i.index, i]),
  );
  const confidence = (props.item.judgeVerdict as { confidence?: number } | null)?.confidence;
  if (props.item.instances.length === 0) return <p>No instance is drawn on this image.</p>;
  return (
    <table class="instances">
      <caption>Drawn instances</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Class</th>
          <th scope="col">Score</th>
          <th scope="col">Judge</th>
          <th scope="col">Reason</th>
          <th scope="col">Confidence</th>
          <th scope="col">Your verdict</th>
        </tr>
      </thead>
      <tbody>
        {props.item.instances.map((p) => {
          const index = p.drawnIndex as number;
          const j = judged.get(index);
          const decision = props.decisions.get(index) ?? 'approve';
          return (
            <tr key={p.id} class={decision} data-index={index}>
              <th scope="row">{index}</th>
              <td>{p.categoryName}</td>
              <td>{p.score.toFixed(2)}</td>
              <td>{j?.verdict ?? '—'}</td>
              <td>{j?.note ?? '—'}</td>
              <td>{confidence !== undefined ? confidence.toFixed(2) : '—'}</td>
              <td>
                <button
                  type="button"
                  aria-pressed={decision === 'approve'}
                  aria-label={`Instance ${index}: ${decision === 'approve' ? 'approved' : 'rejected'}; toggle`}
                  onClick={() => props.onToggle(index)}
                >
                  {decision === 'approve' ? 'approved' : 'rejected'}
                </button>
                {decision === 'reject' && (
                  <select
                    aria-label={`Why instance ${index} is wrong`}
                    value={props.kinds.get(index) ?? 'bad_mask'}
                    onChange={(e) => props.onKind(index, e.currentTarget.value as RejectKind)}
                  >
                    <option value="bad_mask">bad mask</option>
                    <option value="wrong_class">wrong class</option>
                    <option value="not_an_object">not an object</option>
                  </select>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

interface ReviewQueue {
  items: Loaded[];
  pass: Schemas['Pass'] | undefined;
  error: unknown;
  busy: boolean;
  done: boolean;
  last: Submitted | undefined;
  submit: (item: Item, verdict: Decision, d: Map<number, Decision>, k: Map<number, RejectKind>) => void;
  undo: () => void;
}

/** Leases images ahead of the reviewer and fetches their pictures, so the next one is ready on submit. */
function useReviewQueue(projectId: number, passId: number): ReviewQueue {
  const [items, setItems] = useState<Loaded[]>([]);
  const [pass, setPass] = useState<Schemas['Pass']>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [last, setLast] = useState<Submitted>();
  const held = useRef(new Map<number, Loaded>());
  // Images whose verdict's POST has not landed yet.
  const inflight = useRef(new Set<number>());
  // Submitted images, so that a lease answer that crossed a submission cannot bring one back.
  const gone = useRef(new Set<number>());
  const path = { projectId, passId };

  const refreshPass = useCallback(
    () =>
      ok(api.GET('/v1/projects/{projectId}/passes/{passId}', { params: { path } }))
        .then(setPass)
        .catch(setError),
    [projectId, passId],
  );

  // Asking again returns this key's live leases first, then new ones: the held set is topped up.
  const fill = useCallback(async () => {
    const leased = await ok(
      api.GET('/v1/projects/{projectId}/passes/{passId}/review/next', {
        // Images whose verdict is still in flight are still leased to this key and may come back first.
        params: { path, query: { limit: LOOKAHEAD + inflight.current.size } },
      }),
    );
    const fresh = leased.data.filter((item) => !gone.current.has(item.imageId));
    const loaded = await Promise.all(fresh.map((item) => held.current.get(item.imageId) ?? load(item)));
    for (const l of loaded) if (!gone.current.has(l.item.imageId)) held.current.set(l.item.imageId, l);
    return [...held.current.values()];
  }, [projectId, passId]);

  useEffect(() => {
    held.current.clear();
    gone.current.clear();
    fill()
      .then((loaded) => {
        setItems(loaded);
        setDone(loaded.length === 0);
      })
      .catch(setError);
    refreshPass();
  }, [fill, refreshPass]);

  // The verdict in flight, so that an undo waits for it to land first.
  const pending = useRef<Promise<unknown>>(Promise.resolve());
  /**
   * Shows the next image at once and records the verdict behind it: the image stays leased to this key
   * until the POST lands, so nothing is lost meanwhile. A failure is shown in words, and the image comes
   * back to be judged again unless its lease was lost (409: another reviewer may have it now).
   */
  const submit = (item: Item, verdict: Decision, d: Map<number, Decision>, k: Map<number, RejectKind>) => {
    if (gone.current.has(item.imageId)) return;
    setLast({ item, verdict });
    inflight.current.add(item.imageId);
    advance(item.imageId);
    const post = ok(
      api.POST('/v1/projects/{projectId}/passes/{passId}/review/{imageId}', {
        params: { path: { ...path, imageId: item.imageId } },
        body: { verdict, instances: instanceVerdicts(verdict, d, k) },
      }),
    )
      .then(() => {
        setError(undefined);
        refreshPass();
      })
      .catch(async (e) => {
        setError(e);
        setLast(undefined);
        if (!(e instanceof ApiError && e.status === 409)) await restore(item).catch(setError);
      })
      .finally(() => {
        inflight.current.delete(item.imageId);
        // Top up the lookahead, which the lease answers given while this POST was in flight may have left short.
        if (held.current.size < LOOKAHEAD) fill().then(show).catch(setError);
      });
    pending.current = post;
  };
  // Puts an image back in front (after a failed submission or an undo), its pictures fetched again.
  const restore = async (item: Item) => {
    const loaded = await load(item);
    gone.current.delete(item.imageId);
    held.current = new Map([[item.imageId, loaded], ...held.current]);
    setItems([...held.current.values()]);
    setDone(false);
  };
  // Shows the prefetched next image at once; leases and fetches the one after it behind the scenes.
  const advance = (imageId: number) => {
    gone.current.add(imageId);
    forget(held.current, imageId);
    setItems([...held.current.values()]);
    fill().then(show).catch(setError);
  };
  const show = (loaded: Loaded[]) => {
    setItems(loaded);
    setDone(loaded.length === 0 && inflight.current.size === 0);
  };
  // Withdraws the last verdict (the server allows it while the lease lasts) and shows that image again.
  const undo = async () => {
    if (busy || !last) return;
    setBusy(true);
    try {
      await pending.current;
      const item = await ok(
        api.DELETE('/v1/projects/{projectId}/passes/{passId}/review/{imageId}', {
          params: { path: { ...path, imageId: last.item.imageId } },
        }),
      );
      await restore(item);
      setLast(undefined);
      setError(undefined);
      refreshPass();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { items, pass, error, busy, done, last, submit, undo };
}

function forget(held: Map<number, Loaded>, imageId: number): void {
  const l = held.get(imageId);
  if (!l) return;
  // Revoke after the next frame, so the image being replaced is not blanked first.
  setTimeout(() => {
    URL.revokeObjectURL(l.overlay);
    URL.revokeObjectURL(l.original);
  }, 1000);
  held.delete(imageId);
}

async function load(item: Item): Promise<Loaded> {
  const [overlay, original] = await Promise.all([imageUrl(item.overlayUrl), imageUrl(item.originalUrl)]);
  return { item, overlay, original };
}

/** An approval needs no instance list (all drawn are correct); a rejection says which were right and wrong. */
function instanceVerdicts(verdict: Decision, d: Map<number, Decision>, k: Map<number, RejectKind>) {
  if (verdict === 'approve') return undefined;
  return [...d].map(([index, v]) => ({
    index,
    verdict: v === 'approve' ? ('correct' as const) : (k.get(index) ?? ('bad_mask' as const)),
  }));
}

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

/** Page keys, ignored while typing in a field or with a modifier held. */
function useKeys(keys: {
  u: () => void;
  a: () => void;
  r: () => void;
  enter: () => void;
  o: () => void;
  digit: (n: number) => void;
}) {
  const ref = useRef(keys);
  ref.current = keys;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || target.closest('input, select, textarea')) return;
      const k = ref.current;
      const key = e.key.toLowerCase();
      if (key === 'a') k.a();
      else if (key === 'r') k.r();
      else if (key === 'o') k.o();
      else if (key === 'u') k.u();
      else if (key === 'enter' && target.tagName !== 'BUTTON') k.enter();
      else if (/^[1-9]$/.test(key)) k.digit(Number(key));
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
}
