import { isDeterministicFailure } from './deterministic-failure';

const withCode = (code: string) => Object.assign(new Error('failed'), { code });

describe('which projection failures are set aside', () => {
  it.each([
    ['PostgreSQL value too long (22001)', withCode('22001')],
    ['PostgreSQL check violation (23514)', withCode('23514')],
    ['SQLite constraint', withCode('SQLITE_CONSTRAINT_TRIGGER')],
    ['a TypeError in the projection', new TypeError("Cannot read properties of undefined (reading 'toLowerCase')")],
  ])('given %s, then it is deterministic: set aside', (_, error) => {
    expect(isDeterministicFailure(error)).toBe(true);
  });

  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['PostgreSQL shutting down (57P01)', withCode('57P01')],
    ['PostgreSQL connection failure (08006)', withCode('08006')],
    ['SQLite busy', withCode('SQLITE_BUSY')],
    ['a connection ended without a code', new Error('Connection terminated unexpectedly')],
  ])('given %s, then it is an outage: the projector stops and resubscribes', (_, error) => {
    expect(isDeterministicFailure(error)).toBe(false);
  });
});
