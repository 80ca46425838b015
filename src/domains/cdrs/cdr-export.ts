/**
 * The bytes of a CDR export, built so that the export's size never shows in the service's
 * memory: the repository's rows are pulled one at a time by Readable.from (only when the stream
 * below wants more), turned into CSV by csv-stringify (a Transform with bounded buffers) or into
 * NDJSON lines, and the HTTP layer pipes the result to the socket. When the client reads slowly
 * every buffer fills and the pulls stop; when it goes away the stream is destroyed and the
 * repository's iterator is returned, which ends its reads.
 */
import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { cdrColumns, type CdrExportFormat, type CdrResource } from './cdr-schema.js';

export const exportContentTypes: Readonly<Record<CdrExportFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** CSV with a header row of the resource's field names, or one JSON object per line. */
export function encodeCdrs(rows: AsyncIterable<CdrResource>, format: CdrExportFormat): Readable {
  if (format === 'ndjson') {
    // Not in object mode: the stream buffers at most its highWaterMark in bytes (16 KiB).
    return Readable.from(mapIterable(rows, (row) => `${JSON.stringify(row)}\n`), { objectMode: false });
  }
  // An error on either side destroys both; the HTTP layer listens for it on the last one and cuts
  // the connection (a truncated transfer, never a complete-looking file).
  return pipeline(Readable.from(rows), stringify({ header: true, columns: cdrColumns }), () => {});
}

/**
 * `source` mapped by `map`, having read its first item already: a store that is down fails the
 * request (503, a JSON error) before the 200 and the first byte are sent, rather than cutting an
 * export that has just begun. The iterator hands `return` on to the source's, also before the
 * first pull, so that the source's reads stop (its finally runs) however early the reader leaves.
 */
export async function startReading<T, U>(source: AsyncIterable<T>, map: (item: T) => U): Promise<AsyncIterable<U>> {
  const iterator = source[Symbol.asyncIterator]();
  let first: IteratorResult<T> | undefined = await iterator.next();
  return mapIterable(
    {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          const step = first ?? (await iterator.next());
          first = undefined;
          return step;
        },
        return: async () => {
          first = undefined;
          await iterator.return?.();
          return { done: true, value: undefined };
        },
      }),
    },
    map,
  );
}

/** A mapped view of an async iterable whose `return` reaches the source's (a generator's would not before its first pull). */
function mapIterable<T, U>(source: AsyncIterable<T>, map: (item: T) => U): AsyncIterable<U> {
  return {
    [Symbol.asyncIterator]: () => {
      const iterator = source[Symbol.asyncIterator]();
      return {
        next: async (): Promise<IteratorResult<U>> => {
          const step = await iterator.next();
          return step.done ? { done: true, value: undefined } : { done: false, value: map(step.value) };
        },
        return: async (): Promise<IteratorResult<U>> => {
          await iterator.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
