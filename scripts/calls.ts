/**
 * `npm run calls -- [--reset] <rule id> <raw key> [<more key parts>...]`: what tollgate holds for
 * one caller under one rule, for operators answering "why is this number blocked?", and with
 * --reset, forget its calls on every instance. Takes the raw key ("+1 (415) 555-1212"); it is
 * normalised as the rule does and hashed with KEY_SECRET (and KEY_SECRET_PREVIOUS while
 * rotating), since the calls table never holds the key itself. Reads the service's settings.
 */
import cassandra from 'cassandra-driver';
import { systemClock } from '../src/clock.js';
import { createLimitAdmin } from '../src/engine/limit-admin.js';
import { createRuleIndex } from '../src/engine/rule-index.js';
import { TollgateError } from '../src/errors.js';
import { createKeyHasher } from '../src/keys/key-hasher.js';
import { loadRuleFiles } from '../src/rules/load-rule-files.js';
import { loadSettings } from '../src/settings.js';
import { clientOptions, consistencyLevel } from '../src/store/cassandra/client-options.js';
import { CassandraCallLog } from '../src/store/cassandra/cassandra-call-log.js';
import { CassandraResetFeed } from '../src/store/cassandra/cassandra-reset-feed.js';

const args = process.argv.slice(2);
const reset = args[0] === '--reset';
const [ruleId, ...rawKey] = reset ? args.slice(1) : args;
if (!ruleId || rawKey.length === 0) {
  console.error('usage: npm run calls -- [--reset] <rule id> <raw key> [<more key parts>...]');
  process.exit(2);
}
const settings = loadSettings(process.env);
if (!settings.cassandra) {
  console.error('CASSANDRA_CONTACT_POINTS is not set: the embedded store lives inside the service process; use its admin routes.');
  process.exit(1);
}
const rules = createRuleIndex(await loadRuleFiles(settings.rulesDir));
const client = new cassandra.Client(clientOptions(settings.cassandra, 10_000));
await client.connect();
const consistency = consistencyLevel(settings.cassandra.consistency);
const admin = createLimitAdmin({
  log: new CassandraCallLog(client, settings.cassandra.keyspace, { consistency, serialConsistency: consistencyLevel(settings.cassandra.serialConsistency) }),
  feed: new CassandraResetFeed(client, settings.cassandra.keyspace, consistency, 10_000),
  rules: () => rules,
  hasher: createKeyHasher(settings.keySecret, settings.keySecretPrevious),
  keyOptions: { defaultPhoneRegion: settings.defaultPhoneRegion },
  clock: systemClock,
  forget: () => {}, // this process serves nothing; running instances learn of resets from the feed
  timeoutMs: 10_000,
});
try {
  if (reset) console.log(JSON.stringify(await admin.reset(ruleId, rawKey), null, 2));
  console.log(JSON.stringify(await admin.inspect(ruleId, rawKey), null, 2));
} catch (error) {
  console.error(error instanceof TollgateError ? `${error.field}: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await client.shutdown();
}
