import type { Readable } from 'node:stream';

/** One file streaming in from a request (multipart) or a fetch, before it reaches the blob store. */
export interface IncomingFile {
  /** Where the file sits in the request (`files[2]`), for error messages. */
  field: string;
  fileName: string;
  stream: Readable;
}
