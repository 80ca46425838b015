import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_KEY_SECRET, loadSettings, parseReplication, SettingsError } from '../../src/settings.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadSettings', () => {
  it('has a default for everything and means the embedded store without contact points', () => {
    const settings = loadSettings({});
    expect(settings).toEqual({
      port: 8080,
      host: '0.0.0.0',
      cassandra: undefined,
      rulesDir: './rules',
      defaultPhoneRegion: 'US',
      logLevel: 'info',
      throttleDeadlineMs: 500,
      keySecret: DEVELOPMENT_KEY_SECRET,
      keySecretPrevious: undefined,
      keySecretIsDevelopmentDefault: true,
      trustProxyHops: 0,
      ipv6PrefixLength: 64,
      adminTokens: [],
      partitionCacheEntries: 100_000,
      callPricePerMinute: '0.03000',
      callPriceUnit: 'USD',
      callbackAllowedHosts: undefined,
      pruneCron: '*/10 * * * *',
      nearLimitShare: 0.8,
      topKCapacity: 400,
      topKPublishIntervalSeconds: 5,
      topKShowKeys: false,
      fastSyncIntervalMs: 50,
      decisionToken: undefined,
      grpcPort: 8081,
      grpcHost: '0.0.0.0',
      slotRefusalMemoryMs: 100,
    });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it('reads Cassandra settings, adding the default port', () => {
    const settings = loadSettings({
      CASSANDRA_CONTACT_POINTS: '127.0.0.1, 127.0.0.2:9142',
      CASSANDRA_LOCAL_DC: 'dc1',
      CASSANDRA_KEYSPACE: 'tg',
      CASSANDRA_REPLICATION: 'NetworkTopologyStrategy:dc1=3',
      CASSANDRA_CONSISTENCY: 'quorum',
      DEFAULT_PHONE_REGION: 'gb',
    });
    expect(settings.cassandra).toMatchObject({
      contactPoints: ['127.0.0.1:9042', '127.0.0.2:9142'],
      localDataCenter: 'dc1',
      keyspace: 'tg',
      replication: "{'class': 'NetworkTopologyStrategy', 'dc1': 3}",
      consistency: 'QUORUM',
      serialConsistency: 'LOCAL_SERIAL',
    });
    expect(settings.defaultPhoneRegion).toBe('GB');
  });

  it.each([
    [{ PORT: 'http' }, 'PORT="http": expected a whole number from 0 to 65535'],
    [{ PORT: '70000' }, 'PORT="70000": expected a whole number from 0 to 65535'],
    [{ DEFAULT_PHONE_REGION: 'XX' }, 'DEFAULT_PHONE_REGION="XX": expected a two-letter region such as US, GB or IN'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent'],
    [{ THROTTLE_DEADLINE_MS: '5' }, 'THROTTLE_DEADLINE_MS="5": expected a whole number from 10 to 60000'],
    [{ CASSANDRA_CONTACT_POINTS: 'host:port' }, 'CASSANDRA_CONTACT_POINTS: "host:port" is not host[:port]'],
    [{ CASSANDRA_CONTACT_POINTS: 'h', CASSANDRA_KEYSPACE: 'Bad-Name' }, 'CASSANDRA_KEYSPACE="Bad-Name": expected lower-case letters, digits and _ (at most 48)'],
    [{ CASSANDRA_CONTACT_POINTS: 'h', CASSANDRA_CONSISTENCY: 'MOST' }, 'CASSANDRA_CONSISTENCY="MOST": expected one of ANY, ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE'],
    [{ CASSANDRA_CONTACT_POINTS: 'h', CASSANDRA_USERNAME: 'u' }, 'CASSANDRA_USERNAME and CASSANDRA_PASSWORD must be set together'],
    [{ NODE_ENV: 'production' }, 'KEY_SECRET: required when NODE_ENV=production (at least 32 characters)'],
    [{ KEY_SECRET: 'short' }, 'KEY_SECRET: too short (5 characters; at least 32)'],
    [{ KEY_SECRET: 'k'.repeat(32), KEY_SECRET_PREVIOUS: 'k'.repeat(32) }, 'KEY_SECRET_PREVIOUS: equals KEY_SECRET; set it only while rotating to a new secret'],
    [{ TRUST_PROXY_HOPS: '-1' }, 'TRUST_PROXY_HOPS="-1": expected a whole number from 0 to 10'],
    [{ IPV6_PREFIX_LENGTH: '129' }, 'IPV6_PREFIX_LENGTH="129": expected a whole number from 1 to 128'],
    [{ ADMIN_TOKEN: 'secret' }, 'ADMIN_TOKEN: too short (6 characters; at least 24)'],
    [{ SLOT_REFUSAL_MEMORY_MS: '1001' }, 'SLOT_REFUSAL_MEMORY_MS="1001": expected a whole number from 0 to 1000'],
    [{ SLOT_REFUSAL_MEMORY_MS: '0.5' }, 'SLOT_REFUSAL_MEMORY_MS="0.5": expected a whole number from 0 to 1000'],
  ])('refuses %j', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it('takes a production secret and a previous one during rotation', () => {
    const settings = loadSettings({ NODE_ENV: 'production', KEY_SECRET: 'n'.repeat(40), KEY_SECRET_PREVIOUS: 'o'.repeat(40), TRUST_PROXY_HOPS: '2' });
    expect(settings).toMatchObject({ keySecret: 'n'.repeat(40), keySecretPrevious: 'o'.repeat(40), keySecretIsDevelopmentDefault: false, trustProxyHops: 2 });
  });

  it('reads the slot refusal memory, 0 turning it off', () => {
    expect(loadSettings({ SLOT_REFUSAL_MEMORY_MS: '0' }).slotRefusalMemoryMs).toBe(0);
    expect(loadSettings({ SLOT_REFUSAL_MEMORY_MS: '250' }).slotRefusalMemoryMs).toBe(250);
  });

  it('reports every bad value at once', () => {
    expect(problemsOf({ PORT: 'x', LOG_LEVEL: 'y' })).toHaveLength(2);
  });
});

describe('parseReplication', () => {
  it.each([
    ['SimpleStrategy:1', "{'class': 'SimpleStrategy', 'replication_factor': 1}"],
    ['SimpleStrategy:3', "{'class': 'SimpleStrategy', 'replication_factor': 3}"],
    ['NetworkTopologyStrategy:dc1=3,dc2=2', "{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}"],
    ['SimpleStrategy:0', undefined],
    ['SimpleStrategy', undefined],
    ["NetworkTopologyStrategy:dc1=3'}; DROP", undefined],
  ])('%s', (text, cql) => {
    expect(parseReplication(text)).toBe(cql);
  });

  it('reads the call price, its currency and the callback host allow-list', () => {
    const settings = loadSettings({ CALL_PRICE_PER_MINUTE: '0.01300', CALL_PRICE_UNIT: 'eur', CALLBACK_ALLOWED_HOSTS: ' Hooks.Example.com, 127.0.0.1 ' });
    expect(settings.callPricePerMinute).toBe('0.01300');
    expect(settings.callPriceUnit).toBe('EUR');
    expect(settings.callbackAllowedHosts).toEqual(['hooks.example.com', '127.0.0.1']);
    expect(Object.isFrozen(settings.callbackAllowedHosts)).toBe(true);
  });

  it.each([
    [{ CALL_PRICE_PER_MINUTE: '-1' }, 'CALL_PRICE_PER_MINUTE="-1": expected a decimal such as 0.03000 (up to 5 places)'],
    [{ CALL_PRICE_PER_MINUTE: '0.123456' }, 'CALL_PRICE_PER_MINUTE="0.123456": expected a decimal such as 0.03000 (up to 5 places)'],
    [{ CALL_PRICE_UNIT: 'dollars' }, 'CALL_PRICE_UNIT="DOLLARS": expected a three-letter currency code such as USD'],
    [{ CALLBACK_ALLOWED_HOSTS: 'ok.example, http://x/' }, 'CALLBACK_ALLOWED_HOSTS: "http://x/" is not a host name or address'],
  ])('refuses %o', (env, problem) => {
    expect(() => loadSettings(env)).toThrow(problem);
  });

  it('reads labelled admin tokens beside ADMIN_TOKEN', () => {
    const settings = loadSettings({ ADMIN_TOKEN: 'a'.repeat(24), ADMIN_TOKENS: 'alice:' + 'b'.repeat(30) + ', oncall:' + 'c'.repeat(24) });
    expect(settings.adminTokens).toEqual([
      { label: 'admin', token: 'a'.repeat(24) },
      { label: 'alice', token: 'b'.repeat(30) },
      { label: 'oncall', token: 'c'.repeat(24) },
    ]);
  });

  it.each([
    [{ ADMIN_TOKENS: 'alice' }, 'ADMIN_TOKENS: expected "label:token" entries separated by commas'],
    [{ ADMIN_TOKENS: 'alice:short' }, 'ADMIN_TOKENS: the token of "alice" is too short (5 characters; at least 24)'],
    [{ ADMIN_TOKENS: `x:${'d'.repeat(24)},x:${'e'.repeat(24)}` }, 'ADMIN_TOKENS: label "x" is used twice'],
  ])('refuses admin tokens %o', (env, problem) => {
    expect(() => loadSettings(env)).toThrow(problem);
  });

  it('reads PRUNE_CRON, with "off" for never', () => {
    expect(loadSettings({ PRUNE_CRON: '0 * * * *' }).pruneCron).toBe('0 * * * *');
    expect(loadSettings({ PRUNE_CRON: 'off' }).pruneCron).toBeUndefined();
    expect(() => loadSettings({ PRUNE_CRON: 'every ten minutes' })).toThrow('PRUNE_CRON="every ten minutes": expected a cron expression');
  });

  it.each([['0.5', 0.5], ['1', 1], ['1.0', 1], ['.9', 0.9], ['0.01', 0.01]])('reads NEAR_LIMIT_SHARE=%s', (raw, share) => {
    expect(loadSettings({ NEAR_LIMIT_SHARE: raw }).nearLimitShare).toBe(share);
  });

  it('reads the heavy-hitter settings', () => {
    expect(loadSettings({ TOP_K_CAPACITY: '1000', TOP_K_PUBLISH_INTERVAL_SECONDS: '2', TOP_K_SHOW_KEYS: 'TRUE' })).toMatchObject({ topKCapacity: 1000, topKPublishIntervalSeconds: 2, topKShowKeys: true });
    expect(loadSettings({ TOP_K_SHOW_KEYS: 'false' }).topKShowKeys).toBe(false);
  });

  it('refuses heavy-hitter settings out of range', () => {
    expect(problemsOf({ TOP_K_CAPACITY: '99', TOP_K_PUBLISH_INTERVAL_SECONDS: '0', TOP_K_SHOW_KEYS: 'yes' })).toEqual([
      'TOP_K_CAPACITY="99": expected a whole number from 100 to 100000',
      'TOP_K_PUBLISH_INTERVAL_SECONDS="0": expected a whole number from 1 to 30',
      'TOP_K_SHOW_KEYS="yes": expected one of true, false',
    ]);
  });

  it.each(['0', '0.0', '1.01', '2', '-0.5', '1e-1', 'Infinity', 'NaN', 'most'])('refuses NEAR_LIMIT_SHARE=%s', (raw) => {
    expect(problemsOf({ NEAR_LIMIT_SHARE: raw })).toEqual([`NEAR_LIMIT_SHARE="${raw}": expected a share above 0 and at most 1, such as 0.8`]);
  });
});
