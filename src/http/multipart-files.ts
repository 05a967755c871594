import { finished, PassThrough, type Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { IncomingFile } from '../blob/incoming-file.ts';
import { AppError } from '../errors/problem.ts';

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
    assertBoundary(request.headers['content-type']);
    let index = 0;
    let field = 'body';
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          fields.set(part.fieldname, String(part.value));
        } else if (part.fieldname === options.keepAsText) {
          fields.set(part.fieldname, await readText(part.file, part.fieldname, options.maxTextBytes));
        } else {
          field = `files[${index++}]`;
          const fileName = part.filename || `file-${index}`;
          yield { field, fileName, stream: malformedAsProblem(part.file, field) };
        }
      }
    } catch (err) {
      // The parser cuts a file at the size limit and reports it only when asked for the next part.
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
        throw tooLarge(field, 'larger than the upload file-size limit');
      throw asProblem(err, field);
    }
  }
  return { files: files(), fields };
}

/** Without a boundary the parser cannot find a single part; it throws a plain Error, which would read as our 500. */
function assertBoundary(contentType: string | undefined): void {
  if (/;\s*boundary=("[^"]+"|[^;\s]+)/i.test(contentType ?? '')) return;
  const reason = 'multipart/form-data needs a boundary parameter, e.g. multipart/form-data; boundary=x';
  throw new AppError('unsupported-media-type', `content-type: ${reason}`, [{ name: 'content-type', reason }]);
}

/** The parser's errors for a body that ends early or garbles a part header; they are the client's doing. */
const MALFORMED = /unexpected end of multipart data|terminated early|malformed/i;

function asProblem(err: unknown, field: string): unknown {
  if ((err as { code?: string })?.code === 'ERR_STREAM_PREMATURE_CLOSE')
    return validation(field, 'the part was cut off before its closing boundary');
  if (err instanceof AppError || !(err instanceof Error) || !MALFORMED.test(err.message)) return err;
  return validation(field, `the multipart body is malformed: ${err.message}`);
}

const validation = (field: string, reason: string) =>
  new AppError('validation', `${field}: ${reason}`, [{ name: field, reason }]);

/**
 * The part's bytes, failing as a client error when the body is malformed, cut off, or ends without its
 * closing boundary, so whoever stages the bytes removes what it wrote. `finished` also reports a part the
 * parser destroyed before we got it (a short body without its closing boundary): its events are long gone,
 * and piping it alone would wait forever with the staged file open.
 */
function malformedAsProblem(file: Readable, field: string): Readable {
  const out = new PassThrough();
  // Whoever pipes `out` sees its error; when nobody reads it any more (the request already failed), an
  // unheard error event must not take the process down.
  out.on('error', () => {});
  finished(file, (err) => {
    if (err) out.destroy(asProblem(err, field) as Error);
  });
  // A consumer that gives up early must not stall the parser on the rest of this part.
  out.on('close', () => {
    if (!file.readableEnded) file.resume();
  });
  file.pipe(out);
  return out;
}

/** A part kept as text, refused past `maxBytes` or when the parser cut it at its own file-size limit. */
async function readText(
  file: Readable & { truncated?: boolean },
  field: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of file) {
    bytes += (chunk as Buffer).length;
    if (bytes > maxBytes) throw tooLarge(field, `larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (file.truncated) throw tooLarge(field, 'larger than the upload file-size limit');
  return Buffer.concat(chunks).toString('utf8');
}

const tooLarge = (field: string, reason: string) =>
  new AppError('payload-too-large', `${field}: ${reason}`, [{ name: field, reason }]);
