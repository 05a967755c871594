import { Readable } from 'node:stream';

/** How much of an export may wait in memory for the client: the next batch is read only below this. */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * A streamed export as a byte stream with backpressure end to end: the generator is pulled only while
 * the stream is under `HIGH_WATER_BYTES`, and the stream only as fast as the socket (or file) drains.
 * `Readable.from` alone is an object stream that reads 16 chunks ahead: 16 batches of text.
 */
export const exportStream = (chunks: AsyncIterable<string>): Readable =>
  Readable.from(chunks, { objectMode: false, highWaterMark: HIGH_WATER_BYTES });
