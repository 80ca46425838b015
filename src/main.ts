/**
 * The composition root: reads settings, builds the stores and the rule source, listens.
 * Nothing else creates concrete services or reads the environment.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import cassandra from 'cassandra-driver';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import { logSampler } from './log-sampler.js';
import { loadSettings, SettingsError, type CassandraSettings, type Settings } from './settings.js';
import { createFileRuleSource } from './rules/load-rule-files.js';
import { createSettingsRuleSource } from './rules/settings-rule-source.js';
import { createRulesInForce, type RulesInForce } from './engine/rules-in-force.js';
import type { RuleSet } from './rules/rule.js';
import type { Target } from './engine/admit.js';
import type { Stores } from './stores.js';
import { composeApp } from './compose.js';
import { memoryStores } from './store/memory/memory-stores.js';
import { cassandraStores } from './store/cassandra/cassandra-stores.js';
import { isControlConnectionRace } from './store/cassandra/driver-races.js';
import { migrate } from './store/cassandra/migrate.js';
import { clientOptions, consistencyLevel } from './store/cassandra/client-options.js';
import { appRoutes } from './http/create-app.js';
import { AUTH_FAILURE_PATH } from './http/authenticate.js';
import { pruneMemoryLogs } from './jobs/prune-memory-logs.js';
import { scheduleJobs } from './jobs/schedule-jobs.js';
import { startFastCountSync } from './jobs/sync-fast-counts.js';
import { startRateLimitServer } from './grpc/rate-limit-server.js';
import { writeBackFallback } from './jobs/write-back-fallback.js';
import { pollResets } from './jobs/poll-resets.js';
import { pollSettings } from './jobs/poll-settings.js';
import { watchRuleFiles } from './jobs/watch-rule-files.js';
import { pruneAndLog } from './jobs/prune-calls.js';
import { publishHeavyHitters } from './jobs/publish-heavy-hitters.js';
import { rulePathServed } from './rules/route-path.js';

async function main(): Promise<void> {
  let settings: Readonly<Settings>;
  try {
    settings = loadSettings(process.env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const logger = pino({ level: settings.logLevel, base: { service: 'tollgate' } });
  // One known driver race must not end the process during a Cassandra fault; any other
  // unhandled rejection still does, as Node's default would.
  process.on('unhandledRejection', (reason) => {
    if (isControlConnectionRace(reason)) return logger.warn({ err: reason }, 'cassandra-driver control connection race (NODEJS-681); the driver reconnects by itself');
    logger.fatal({ err: reason }, 'unhandled rejection');
    process.exit(1);
  });
  if (settings.keySecretIsDevelopmentDefault) {
    logger.warn('KEY_SECRET is not set: throttle keys are hashed with the PUBLIC development secret. Set KEY_SECRET (32+ characters) before real traffic; NODE_ENV=production refuses to start without it.');
  }
  const clock = systemClock;

  const stores = settings.cassandra ? await connectCassandra(settings.cassandra, settings, logger) : embeddedStores(clock, logger);
  // Rules come from RULES_DIR and from the system_settings table, validated together; a service
  // never starts on a set that does not validate. Later reloads keep the last good set instead.
  let rulesInForce: RulesInForce;
  let routePaths: ReadonlySet<string> = new Set();
  const initialRevision = await stores.settings.revision();
  try {
    rulesInForce = await createRulesInForce({
      sources: [createFileRuleSource(settings.rulesDir), createSettingsRuleSource(stores.settings)],
      clock,
      onReload: (reason, result) => {
        if (!result.ok) return logger.error({ err: result.error, reason }, `rules not reloaded, the last good rules stay: ${result.error.message}`);
        if (!result.changed) return;
        logger.info({ reason, version: result.set.version, rules: result.set.rules.map((r) => r.id), sources: result.set.sources }, 'rules reloaded');
        warnUnroutedRules(result.set, routePaths, logger);
      },
    });
  } catch (error) {
    logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  const firstSet = rulesInForce.set();
  logger.info({ version: firstSet.version, rules: firstSet.rules.map((r) => r.id), sources: firstSet.sources }, 'rules loaded');

  if (settings.adminTokens.length === 0) logger.info('admin routes are off (set ADMIN_TOKEN to enable /v1/admin/* and POST /v1/accounts)');
  const composed = composeApp({ settings, stores, clock, logger, rules: () => rulesInForce.index(), rulesInForce, onStoreError: storeErrorReporter(logger, clock) });
  const { throttle, local: localFallback } = composed;
  // Rules name route patterns (and the failed-authentication pseudo-route); one naming none applies nowhere.
  routePaths = new Set<string>([AUTH_FAILURE_PATH, ...appRoutes(composed.routes, stores.health, true, true).map((r) => r.path)]);
  warnUnroutedRules(firstSet, routePaths, logger);

  const server = createServer(composed.listener).listen(settings.port, settings.host);
  await once(server, 'listening');
  logger.info({ address: server.address() }, 'tollgate listening');
  // Envoy's rate limit protocol beside the HTTP decision API, with the same service token.
  const grpcServer = settings.decisionToken !== undefined && settings.grpcPort !== undefined
    ? await startRateLimitServer({ service: composed.decisions, token: settings.decisionToken, host: settings.grpcHost, port: settings.grpcPort, logger })
    : undefined;
  if (grpcServer) logger.info({ port: grpcServer.port }, 'Envoy rate limit service (gRPC) listening');
  else logger.info('decision API and gRPC rate limit service are off (set DECISION_TOKEN; GRPC_PORT=off keeps gRPC closed)');
  // Fast-mode counts are shared every FAST_SYNC_INTERVAL_MS (node-cron's one-second ticks are too coarse for it).
  const fastSync = startFastCountSync([composed.limiters.fast], {
    intervalMs: settings.fastSyncIntervalMs,
    clock,
    onError: (error) => logger.warn({ err: error }, 'fast-mode counts not shared this tick'),
  });

  const jobs = scheduleJobs(
    [
      { name: 'prune-memory-logs', schedule: '*/30 * * * * *', run: async () => {
        await pruneMemoryLogs([...stores.memoryLogs, localFallback], logger);
        stores.sweepMemory?.(clock());
      } },
      { name: 'poll-resets', schedule: '* * * * * *', run: () => pollResets(stores.resetFeed, throttle, clock) },
      { name: 'poll-settings', schedule: '* * * * * *', run: pollSettings(stores.settings, rulesInForce, initialRevision) },
      // Every instance's GET /v1/admin/top merges what the others published: a few seconds behind at most.
      { name: 'publish-heavy-hitters', schedule: `*/${settings.topKPublishIntervalSeconds} * * * * *`, run: async () => void (await publishHeavyHitters(composed.heavyHitters, stores.heavyHitters, clock)) },
      ...(settings.pruneCron === undefined
        ? []
        : [{ name: 'prune-calls', schedule: settings.pruneCron, run: () => pruneAndLog(stores, () => rulesInForce.set().rules, clock, logger) }]),
      // With the embedded store there is no outage to recover from: the fallback is never used.
      ...(settings.cassandra
        ? [
            {
              name: 'write-back-fallback',
              schedule: '*/5 * * * * *',
              run: async () => composed.metrics.fallbackWrittenBack((await writeBackFallback(localFallback, stores.callLog, clock, logger)).written),
            },
          ]
        : []),
    ],
    logger,
  );

  // Edits of RULES_DIR apply by themselves; SIGHUP still asks for a reload. A bad set is refused
  // and the rules in force stay (the log names the file, the JSON path and the reason).
  const watcher = watchRuleFiles(settings.rulesDir, (reason) => void rulesInForce.reload(reason));
  process.on('SIGHUP', () => void rulesInForce.reload('SIGHUP'));

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close();
    watcher.close();
    await jobs.stop();
    await fastSync.stop();
    await grpcServer?.close();
    await composed.close();
    await stores.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

function embeddedStores(clock: Clock, logger: Logger): Stores {
  logger.warn('store: embedded in-memory (state is per process and lost on restart; set CASSANDRA_CONTACT_POINTS to use Cassandra)');
  return memoryStores(clock);
}

async function connectCassandra(config: CassandraSettings, settings: Settings, logger: Logger): Promise<Stores> {
  const client = new cassandra.Client(clientOptions(config, Math.max(2_000, settings.throttleDeadlineMs)));
  await connectWithRetry(client, config, logger);
  const applied = await migrate(client, { keyspace: config.keyspace, replication: config.replication });
  logger.info({ contactPoints: config.contactPoints, keyspace: config.keyspace, schema: applied }, 'store: cassandra');
  return cassandraStores(client, {
    keyspace: config.keyspace,
    consistency: consistencyLevel(config.consistency),
    serialConsistency: consistencyLevel(config.serialConsistency),
    timeoutMs: 2_000,
  }, { registerPartitions: settings.pruneCron !== undefined });
}

/** Cassandra may still be starting (docker compose, a fresh node): keep trying for a while. */
async function connectWithRetry(client: cassandra.Client, config: CassandraSettings, logger: Logger): Promise<void> {
  const giveUpAt = performance.now() + config.connectTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.connect();
      return;
    } catch (error) {
      if (performance.now() > giveUpAt) {
        logger.fatal({ err: error, contactPoints: config.contactPoints }, 'cannot reach Cassandra; giving up');
        process.exit(1);
      }
      logger.warn({ attempt, contactPoints: config.contactPoints, reason: (error as Error).message }, 'Cassandra not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

/** A rule for a route this build does not serve is kept (the route may come later) but never applies. */
function warnUnroutedRules(ruleSet: RuleSet, served: ReadonlySet<string>, logger: Logger): void {
  for (const rule of ruleSet.rules) {
    if (!rulePathServed(rule.match.path, served)) logger.warn({ rule: rule.id, path: rule.match.path, source: rule.source }, 'rule matches no route; it will not apply');
  }
}

/** Logs store failures at most every 10 s with a count, so an outage does not flood the log. */
function storeErrorReporter(logger: Logger, clock: Clock) {
  const sample = logSampler(clock);
  return (error: unknown, targets: readonly Target[]) => {
    const suppressed = sample();
    if (suppressed === undefined) return;
    logger.error(
      { err: error, suppressed, rules: [...new Set(targets.map((t) => t.rule.id))] },
      'throttle store failed or missed its deadline; onStoreError decided',
    );
  };
}

await main();
