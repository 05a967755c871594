import fs from 'node:fs/promises';
import zlib from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Signature, then the IHDR chunk: length (4), type (4), 13 bytes of data, CRC (4). */
const IHDR_END = 8 + 4 + 4 + 13 + 4;

/**
 * Why a PNG's header chunk is corrupt, or undefined when it is sound or the file is not a PNG.
 * libvips decodes a PNG whose IHDR CRC is wrong, so a damaged header (width, height, bit depth)
 * would be trusted; the PNG specification says a decoder must treat it as an error.
 */
export async function pngHeaderProblem(file: string | Buffer): Promise<string | undefined> {
  const head = Buffer.isBuffer(file) ? file.subarray(0, IHDR_END) : await readHead(file);
  if (head.length < PNG_SIGNATURE.length || !head.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (head.length < IHDR_END) return 'is a PNG too short to hold its IHDR chunk';
  if (head.readUInt32BE(8) !== 13 || head.toString('latin1', 12, 16) !== 'IHDR')
    return 'is a PNG whose first chunk is not a 13-byte IHDR';
  const stored = head.readUInt32BE(29);
  const computed = zlib.crc32(head.subarray(12, 29));
  if (stored !== computed) return 'is a PNG whose IHDR chunk fails its CRC check (the header is corrupt)';
  return undefined;
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(IHDR_END), 0, IHDR_END, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
