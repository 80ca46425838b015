import { describe, expect, it } from 'vitest';
import { isControlConnectionRace } from '../../../src/store/cassandra/driver-races.js';

function typeError(message: string, stack: string): TypeError {
  const error = new TypeError(message);
  error.stack = `TypeError: ${message}\n${stack}`;
  return error;
}

describe('isControlConnectionRace', () => {
  const driverFrame = '    at ControlConnection._refresh (/app/node_modules/cassandra-driver/lib/control-connection.js:495:40)';

  it("recognises the driver's null-connection TypeError in its control connection", () => {
    expect(isControlConnectionRace(typeError("Cannot read properties of null (reading 'endpoint')", driverFrame))).toBe(true);
  });

  it('recognises it serialised, as a test runner reports it', () => {
    const serialised = { name: 'TypeError', message: "Cannot read properties of null (reading 'endpoint')", stack: driverFrame };
    expect(isControlConnectionRace(serialised)).toBe(true);
  });

  it('lets every other error through: ours, other driver files, other messages', () => {
    expect(isControlConnectionRace(typeError("Cannot read properties of null (reading 'endpoint')", '    at run (/app/dist/main.js:1:1)'))).toBe(false);
    expect(isControlConnectionRace(typeError("Cannot read properties of null (reading 'endpoint')", '    at x (/app/node_modules/cassandra-driver/lib/client.js:1:1)'))).toBe(false);
    expect(isControlConnectionRace(typeError("Cannot read properties of null (reading 'host')", driverFrame))).toBe(false);
    expect(isControlConnectionRace(new Error(`reading 'endpoint'\n${driverFrame}`))).toBe(false);
  });
});
