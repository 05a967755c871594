import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CLIENT_TYPES_PATH, generateClientTypes, OPENAPI_PATH } from '../../src/client/generate.ts';

describe('generated client types', () => {
  it('openapi/openapi-types.d.ts is what openapi-typescript makes of the committed openapi/openapi.json', async () => {
    const expected = await generateClientTypes(OPENAPI_PATH);
    const committed = await fs.readFile(CLIENT_TYPES_PATH, 'utf8');
    // One message that names the fix, instead of a 4000-line diff.
    if (committed !== expected)
      expect.fail(
        'openapi/openapi-types.d.ts does not match openapi/openapi.json: run `npm run openapi` ' +
          '(renders the OpenAPI and regenerates the client) or `npm run client` (the client only), then commit both.',
      );
  }, 60_000);
});
