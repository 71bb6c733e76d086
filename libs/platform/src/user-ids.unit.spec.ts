import { newUserId } from './user-ids';

describe('newUserId', () => {
  it('given ids made one after another, when they are sorted as text, then they are in the order they were made', () => {
    const made = Array.from({ length: 2000 }, () => newUserId());

    const sorted = [...made].sort();

    expect(sorted).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('given a new id, then it is a version 7 UUID whose first 48 bits are the time it was made', () => {
    const before = Date.now();
    const id = newUserId();
    const after = Date.now();

    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const madeAt = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(madeAt).toBeGreaterThanOrEqual(before);
    expect(madeAt).toBeLessThanOrEqual(after);
  });
});
