import type { FastifyRequest } from 'fastify';
import type { IncomingFile } from '../services/image.service.ts';

/**
 * The file parts of a multipart request, one at a time as they stream in. Text fields are collected
 * into `fields` (read them after iterating); `jsonField` names a part whose content is kept as text.
 */
export function multipartFiles(
  request: FastifyRequest,
  options: { keepAsText?: string; maxTextBytes?: number } = {},
): { files: AsyncIterable<IncomingFile>; fields: Map<string, string> } {
  const fields = new Map<string, string>();
  async function* files(): AsyncGenerator<IncomingFile> {
    let index = 0;
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        fields.set(part.fieldname, String(part.value));
      } else if (part.fieldname === options.keepAsText) {
        fields.set(part.fieldname, (await part.toBuffer()).toString('utf8'));
      } else {
        yield { field: `files[${index++}]`, fileName: part.filename || `file-${index}`, stream: part.file };
      }
    }
  }
  return { files: files(), fields };
}
