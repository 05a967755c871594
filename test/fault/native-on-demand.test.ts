import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { api, newSite, removeSite, type Site, startServe } from './serve-process.ts';

/** The native libraries a process has mapped, from /proc/<pid>/maps. */
async function mapped(pid: number): Promise<{ vips: boolean; onnxruntime: boolean }> {
  const maps = await fs.readFile(`/proc/${pid}/maps`, 'utf8');
  return { vips: /libvips/.test(maps), onnxruntime: /libonnxruntime/.test(maps) };
}

// An API-only process (reads, exports) never pays for libvips or onnxruntime: each loads on first use.
// bench/results/foundation.md measures what that saves on a 50k-image export.
describe('native libraries load on first use', { timeout: 180_000 }, () => {
  const children: ChildProcess[] = [];
  let site: Site | undefined;
  afterAll(async () => {
    if (site) await removeSite(site, children);
  });

  it('serves reads and a COCO export without libvips or onnxruntime, and maps libvips for the first upload', async () => {
    site = await newSite();
    const serve = await startServe(site, children);
    const pid = serve.child.pid!;
    const project = await api(site, 'POST', '/v1/projects', { name: 'p', categories: [{ name: 'box' }] });
    expect(project.status).toBe(201);
    expect((await api(site, 'GET', `/v1/projects/${project.body.id}/images`)).status).toBe(200);
    const exported = await fetch(`${site.url}/v1/projects/${project.body.id}/coco-export`, {
      headers: { authorization: `Bearer ${site.adminKey}` },
    });
    expect(exported.status).toBe(200);
    expect(((await exported.json()) as { annotations: unknown[] }).annotations).toEqual([]);
    expect(await mapped(pid)).toEqual({ vips: false, onnxruntime: false });

    // The positive control: the first image probed loads libvips, in the same process.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
      'base64',
    );
    const form = new FormData();
    form.append('files', new Blob([png]), 'a.png');
    const up = await fetch(`${site.url}/v1/projects/${project.body.id}/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${site.adminKey}` },
      body: form,
    });
    expect(up.status).toBe(201);
    expect((await mapped(pid)).vips).toBe(true);
  });
});
