/**
 * Every value of one request header, occurrences kept apart, read from the raw header list.
 * Node's `headersDistinct` gives the same answer but builds an object of every header on first
 * use (about a microsecond per request, on paths that need one header: the service token of the
 * decision API, benchmarked at 10,000 checks a second). Where the whole set is needed anyway
 * (request-view.ts), headersDistinct is still the one to use.
 */
import type { IncomingMessage } from 'node:http';

/** The values of header `lowerName` (lower case), in order; undefined when it is absent. */
export function headerValues(req: IncomingMessage, lowerName: string): string[] | undefined {
  const raw = req.rawHeaders;
  let values: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) (values ??= []).push(raw[i + 1]!);
  }
  return values;
}
