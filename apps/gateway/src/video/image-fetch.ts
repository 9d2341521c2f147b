import { OutboundError, safeFetch, type AllowList } from '@app/outbound';

export type FetchedImage = { ok: true; bytes: Buffer } | { ok: false; message: string; allowed?: string };

const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+)?(;[a-z0-9-]+=[^;,]*)*;base64,/i;

/**
 * The bytes behind an image URL: a base64 `data:` URL is decoded here; an http(s) URL is fetched by the
 * gateway through the SSRF guard (public addresses only, bounded size and time). Never by the model service.
 */
export async function fetchImageUrl(url: string, maxBytes: number, allowList?: AllowList): Promise<FetchedImage> {
  const data = DATA_URL.exec(url);
  if (data) {
    const encoded = url.slice(data[0].length);
    // 4 characters of base64 carry 3 bytes: refuse before decoding something far too large.
    if ((encoded.length * 3) / 4 > maxBytes + 3) return { ok: false, message: `the image is larger than ${maxBytes} bytes`, allowed: `at most ${maxBytes} bytes` };
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return { ok: false, message: 'the data URL is not valid base64' };
    return { ok: true, bytes: Buffer.from(encoded, 'base64') };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, message: 'is not a valid URL', allowed: 'an http(s) URL or a base64 data: URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, message: `the ${parsed.protocol} scheme is not fetched`, allowed: 'an http(s) URL or a base64 data: URL' };
  }
  try {
    const response = await safeFetch(parsed, { maxBytes, timeoutMs: FETCH_TIMEOUT_MS, allowList, headers: { accept: 'image/png, image/jpeg, image/webp' } });
    if (response.status < 200 || response.status > 299) return { ok: false, message: `fetching the image answered HTTP ${response.status}` };
    return { ok: true, bytes: response.body };
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    if (error.code === 'too_large') return { ok: false, message: `the image is larger than ${maxBytes} bytes`, allowed: `at most ${maxBytes} bytes` };
    if (error.refused) return { ok: false, message: `the URL is refused: ${error.message}`, allowed: 'a public http(s) URL or a base64 data: URL' };
    return { ok: false, message: `the image could not be fetched (${error.code}: ${error.message})` };
  }
}

const FETCH_TIMEOUT_MS = 10_000;
