import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderOpenApi } from '../src/openapi.ts';

describe('OpenAPI', () => {
  it('matches the committed openapi/openapi.json (run `npm run openapi` after changing routes)', async () => {
    const committed = await fs.readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
    expect(await renderOpenApi()).toBe(committed);
  });

  it('is OpenAPI 3.1 with problem+json errors and bearer auth', async () => {
    const doc = JSON.parse(await renderOpenApi());
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    const upload = doc.paths['/v1/projects/{projectId}/images'].post;
    expect(Object.keys(upload.requestBody.content)).toEqual(['multipart/form-data']);
    expect(upload.responses['422']).toBeDefined();
  });
});
