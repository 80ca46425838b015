/**
 * `tollgate rules explain --method POST --path /v1/signup --body '{...}'`: what the service would
 * do with this request now, against the configured store, without counting it: the route, the
 * rules that match, each key as read and normalised, the calls in each window and the decision.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { EXIT_CODES_HELP, EXIT_OK, UsageError } from './cli-errors.js';
import { flag, listOption, stringOption, withService, type CliCommand, type CommandArgs } from './cli-command.js';
import { explainRequest, type ExplainRequest } from './explain-request.js';
import { formatExplanation } from './format-explanation.js';

const NAME = 'rules explain';

export const rulesExplainCommand: CliCommand = {
  words: ['rules', 'explain'],
  summary: 'which rules a request meets, its keys, the counts and the decision, without counting it',
  help: `Usage: tollgate rules explain --path <path> [--method <method>] [--body <json> | --body @<file>]
                              [--header <name:value>]... [--query <name=value>]... [--ip <address>] [--json]

Resolves the path to the service's route, runs the edge's checks (the JSON body and the
route's body and query schemas), then for every rule of the route: the key as read and as
normalised, its partition, the calls in each window and what the rule decides now, against
the configured store (the embedded memory store unless CASSANDRA_CONTACT_POINTS is set; the
same settings as the service). Reads only: the request is never counted. A request the
service would refuse (404, 405, an invalid body, a malformed key, a denied key) says so.
Credentials and a route's own resource checks are not evaluated.

Options:
  --path <path>          the request path, a query string allowed (/v1/accounts/AC1/calls?status=queued)
  --method <method>      default GET
  --body <json>          the JSON body; @<file> reads it from a file
  --header <name:value>  a request header, repeatable (a repeated name is sent twice)
  --query <name=value>   a query parameter, repeatable
  --ip <address>         the client's address as the service's peer (X-Forwarded-For headers
                         count as TRUST_PROXY_HOPS says); without it, rules keyed on ip find no key
  --json                 the explanation as one JSON document
  -h, --help             this help

Exit status 0 whatever the decision: a denied or refused request is an answer.

${EXIT_CODES_HELP}`,
  options: {
    path: { type: 'string' },
    method: { type: 'string' },
    body: { type: 'string' },
    header: { type: 'string', multiple: true },
    query: { type: 'string', multiple: true },
    ip: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, context) {
    const request = await requestOf(args);
    const explanation = await withService(context, (service) => explainRequest(service, request));
    if (flag(args, 'json')) context.io.out(JSON.stringify(explanation, null, 2));
    else for (const line of formatExplanation(explanation)) context.io.out(line);
    return EXIT_OK;
  },
};

async function requestOf(args: CommandArgs): Promise<ExplainRequest> {
  const path = stringOption(args, 'path');
  if (path === undefined) throw new UsageError('missing option --path', NAME);
  if (!path.startsWith('/')) throw new UsageError(`--path must start with "/": ${path}`, NAME);
  const method = stringOption(args, 'method') ?? 'GET';
  if (!/^[A-Za-z]+$/.test(method)) throw new UsageError(`--method is not an HTTP method: ${method}`, NAME);
  const ip = stringOption(args, 'ip');
  if (ip !== undefined && isIP(ip) === 0) throw new UsageError(`--ip is not an IPv4 or IPv6 address: ${ip}`, NAME);
  return { method, path, bodyText: await bodyOf(stringOption(args, 'body')), headers: headersOf(listOption(args, 'header')), query: queryOf(listOption(args, 'query')), ...(ip === undefined ? { ip: undefined } : { ip }) };
}

async function bodyOf(body: string | undefined): Promise<string | undefined> {
  if (body === undefined || !body.startsWith('@')) return body;
  try {
    return await readFile(body.slice(1), 'utf8');
  } catch (error) {
    throw new UsageError(`--body ${body}: ${(error as Error).message}`, NAME);
  }
}

/** "Name: value" pairs, by lower-case name, each occurrence kept (as Node's headersDistinct). */
function headersOf(pairs: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const pair of pairs) {
    const at = pair.indexOf(':');
    const name = pair.slice(0, at).trim().toLowerCase();
    if (at < 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw new UsageError(`--header must be name:value, got ${JSON.stringify(pair)}`, NAME);
    (headers[name] ??= []).push(pair.slice(at + 1).trim());
  }
  return headers;
}

function queryOf(pairs: readonly string[]): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--query must be name=value, got ${JSON.stringify(pair)}`, NAME);
    (query[pair.slice(0, at)] ??= []).push(pair.slice(at + 1));
  }
  return query;
}
