/**
 * A known race inside cassandra-driver 4.10 (NODEJS-681, "ControlConnection concurrent read and
 * write on .host and .connection", not yet fixed upstream): when the control connection loses
 * its node while it refreshes the topology, a retry scheduled with setTimeout reads
 * `this.connection.endpoint` after the connection was cleared, and the TypeError surfaces as an
 * unhandled rejection. The driver reconnects on its own schedule regardless; only that one
 * rejection is lost. Node would otherwise end the process over it in the middle of a Cassandra
 * fault, the moment a throttle must keep answering (seen once in CI, in the store-faults suite).
 */
export function isControlConnectionRace(error: unknown): boolean {
  // Structural, not instanceof: test runners hand it over serialised ({ name, message, stack }).
  if (typeof error !== 'object' || error === null) return false;
  const { name, message, stack } = error as { name?: unknown; message?: unknown; stack?: unknown };
  return (
    name === 'TypeError' &&
    typeof message === 'string' &&
    message.includes("reading 'endpoint'") &&
    typeof stack === 'string' &&
    /cassandra-driver[\\/]lib[\\/]control-connection\.js/.test(stack)
  );
}
