import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The committed OpenAPI document and the client types generated from it (`npm run client`). */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OPENAPI_PATH = path.join(root, 'openapi/openapi.json');
export const CLIENT_TYPES_PATH = path.join(root, 'openapi/openapi-types.d.ts');

const HEADER = `/**
 * Generated from openapi/openapi.json by \`npm run client\` (openapi-typescript). Do not edit:
 * change the routes, then run \`npm run openapi\` (which regenerates this file too).
 */

`;

/** The TypeScript types of the OpenAPI document at `specPath`, as `npm run client` writes them. */
export async function generateClientTypes(specPath = OPENAPI_PATH): Promise<string> {
  // Imported here: openapi-typescript is a devDependency, only the generator and its test need it.
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  const ast = await openapiTS(pathToFileURL(specPath), { silent: true });
  return HEADER + astToString(ast);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await fs.writeFile(CLIENT_TYPES_PATH, await generateClientTypes());
  console.log(`wrote ${path.relative(process.cwd(), CLIENT_TYPES_PATH)}`);
}
