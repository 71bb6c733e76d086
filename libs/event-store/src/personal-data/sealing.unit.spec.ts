import { randomBytes, randomUUID } from 'node:crypto';
import { open, seal } from './sealing';

describe('sealing personal fields', () => {
  const key = randomBytes(32);

  it('given fields sealed for an event, when opened with the same key for that event, then they come back', () => {
    const eventId = randomUUID();
    const sealed = seal('user:1', key, eventId, { userName: 'ada@example.com', givenName: null });
    expect(sealed.sealed).not.toContain('ada');
    expect(open(sealed, key, eventId)).toEqual({ userName: 'ada@example.com', givenName: null });
  });

  it('given fields sealed for one event, when opened for another event, then it fails', () => {
    const sealed = seal('user:1', key, randomUUID(), { userName: 'ada@example.com' });
    expect(() => open(sealed, key, randomUUID())).toThrow();
  });

  it('given fields sealed with one key, when opened with another, then it fails', () => {
    const eventId = randomUUID();
    const sealed = seal('user:1', key, eventId, { userName: 'ada@example.com' });
    expect(() => open(sealed, randomBytes(32), eventId)).toThrow();
  });
});
