// Decodes a PNG far enough to prove it is a real picture: chunk CRCs, IHDR, the zlib stream and
// the scanline filters. Returns the size and the number of distinct pixel values (capped).

import zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * @param {Buffer} png
 * @param {{maxColors?: number}} options stop counting distinct pixels at this many
 * @returns {{width: number, height: number, colorType: number, bitDepth: number, distinctPixels: number}}
 */
export function decodePng(png, { maxColors = 256 } = {}) {
  if (png.length < SIGNATURE.length || !png.subarray(0, 8).equals(SIGNATURE)) {
    throw new Error('not a PNG: wrong signature');
  }
  let header;
  const idat = [];
  let offset = 8;
  let ended = false;
  while (!ended) {
    if (offset + 12 > png.length) throw new Error('truncated PNG: no IEND chunk');
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > png.length) throw new Error(`truncated PNG: chunk ${type} runs past the end`);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (crc32(png.subarray(offset + 4, offset + 8 + length)) !== png.readUInt32BE(offset + 8 + length)) {
      throw new Error(`corrupt PNG: bad CRC in chunk ${type}`);
    }
    if (type === 'IHDR') {
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        bitDepth: data[8],
        colorType: data[9],
        interlace: data[12],
      };
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
    }
    offset = end;
  }
  if (!header) throw new Error('corrupt PNG: no IHDR chunk');
  const { width, height, bitDepth, colorType, interlace } = header;
  const channels = CHANNELS[colorType];
  if (!channels) throw new Error(`corrupt PNG: unknown color type ${colorType}`);
  if (interlace !== 0) throw new Error('interlaced PNG: not expected from a WebDriver screenshot');

  const raw = zlib.inflateSync(Buffer.concat(idat));
  const bytesPerPixel = Math.max(1, (bitDepth * channels) / 8);
  const stride = Math.ceil((width * bitDepth * channels) / 8);
  if (raw.length !== height * (stride + 1)) {
    throw new Error(`corrupt PNG: ${raw.length} bytes of pixels, expected ${height * (stride + 1)}`);
  }

  // Undo the per-scanline filters (PNG spec, section 9).
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const previous = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= bytesPerPixel ? out[x - bytesPerPixel] : 0;
      const b = previous[x];
      const c = x >= bytesPerPixel ? previous[x - bytesPerPixel] : 0;
      let predictor;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = a; break;
        case 2: predictor = b; break;
        case 3: predictor = (a + b) >> 1; break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`corrupt PNG: unknown filter ${filter} on line ${y}`);
      }
      out[x] = (line[x] + predictor) & 0xff;
    }
  }

  const distinct = new Set();
  const pixelBytes = Math.ceil((bitDepth * channels) / 8);
  for (let i = 0; i + pixelBytes <= pixels.length && distinct.size < maxColors; i += pixelBytes) {
    distinct.add(pixels.toString('latin1', i, i + pixelBytes));
  }
  return { width, height, colorType, bitDepth, distinctPixels: distinct.size };
}
