/**
 * Object metadata values as the S3EC stores them, and as S3 hands them back.
 *
 * S3 returns a metadata value holding non-ASCII characters as RFC 2047 encoded words
 * (`=?UTF-8?B?…?=`), and encodes twice: the UTF-8 bytes the client sent are taken as
 * ISO-8859-1 characters, and those are encoded as UTF-8. The S3EC spec asks clients to
 * undo this (s3-encryption/data-format/metadata-strategy.md); the Java client's
 * ContentMetadataDecodingStrategy.decodeS3CustomEncoding does it the same way.
 */

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/** Undoes S3's encoding of a metadata value; values without encoded words are returned as they are. */
export function decodeS3MetadataText(value: string): string {
  if (!value.includes('=?')) return value;
  // RFC 2047: whitespace between two adjacent encoded words is not part of the text.
  const joined = value.replace(/\?=\s+=\?/g, '?==?');
  const decoded = joined.replace(ENCODED_WORD, (word, charset: string, encoding: string, text: string) => {
    const bytes = encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : quotedPrintableBytes(text);
    const name = charset.toLowerCase();
    if (name === 'utf-8' || name === 'utf8') return new TextDecoder('utf-8').decode(bytes);
    if (name === 'iso-8859-1' || name === 'latin1' || name === 'us-ascii') return bytes.toString('latin1');
    return word; // an unknown charset: leave the word for the JSON parser to reject
  });
  return undoLatin1Pass(decoded);
}

/** RFC 2047 "Q" encoding: `_` is a space, `=XX` a byte. */
function quotedPrintableBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0));
  }
  return Buffer.from(bytes);
}

/**
 * The second pass: characters U+0080..U+00FF that are really the bytes of UTF-8 text.
 * Applied only when the bytes are valid UTF-8, so genuine Latin-1 text is kept.
 */
function undoLatin1Pass(text: string): string {
  if (!/[\u0080-\u00ff]/.test(text) || /[^\u0000-\u00ff]/.test(text)) return text;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'latin1'));
  } catch {
    return text;
  }
}

/**
 * JSON text for a metadata value, with every non-ASCII character escaped (`\u00e9`), so
 * values stay US-ASCII as the spec prefers and S3 never needs to encode them.
 */
export function asciiJson(value: Readonly<Record<string, string>>): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
