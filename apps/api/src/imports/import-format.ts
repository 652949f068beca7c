import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { ImportFormat } from '@corridor/ingest';

const FORMAT_BY_MEDIA_TYPE: Readonly<Record<string, ImportFormat>> = {
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/json-lines': 'jsonl',
  'text/csv': 'csv',
};

export const IMPORT_MEDIA_TYPES = Object.keys(FORMAT_BY_MEDIA_TYPE);

/** The upload's format from its Content-Type; 415 for anything else (or a compressed body). */
export function importFormatOf(headers: IncomingHttpHeaders): ImportFormat {
  const mediaType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const format = Object.hasOwn(FORMAT_BY_MEDIA_TYPE, mediaType) ? FORMAT_BY_MEDIA_TYPE[mediaType] : undefined;
  const encoding = (headers['content-encoding'] ?? 'identity').toLowerCase();
  if (!format || encoding !== 'identity') {
    const message = format
      ? `Content-Encoding ${encoding} is not supported: send the file uncompressed`
      : `Send the file as ${IMPORT_MEDIA_TYPES.join(', ')} (got ${JSON.stringify(mediaType || 'nothing')})`;
    throw new UnsupportedMediaTypeException({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message,
      details: [{ field: format ? 'content-encoding' : 'content-type', message, code: 'UNSUPPORTED_MEDIA_TYPE' }],
    });
  }
  return format;
}
