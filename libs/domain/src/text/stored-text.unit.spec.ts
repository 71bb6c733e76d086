import { characterCount, firstCharacters, fitsWidth } from './stored-text';

describe('Text as the database counts it (issue 15 finding 1)', () => {
  it('given a surrogate pair, when counted, then it is one character, as PostgreSQL counts it', () => {
    expect(characterCount('a😀b')).toBe(3);
  });

  it('given variation selectors (which class-validator does not count), when counted, then each is a character', () => {
    expect(characterCount('a\ufe0f'.repeat(200))).toBe(400);
  });

  it('given a value that fits but whose folded form does not, when checked, then it does not fit', () => {
    const userName = `${'İ'.repeat(300)}@example.com`;
    expect(fitsWidth(512, userName)).toBe(true);
    expect(fitsWidth(512, userName, userName.toLowerCase())).toBe(false);
  });

  it('given text ending in a surrogate pair at the cut, when its first characters are taken, then no half pair is left', () => {
    const text = `${'a'.repeat(511)}😀tail`;
    expect(firstCharacters(text, 512)).toBe(`${'a'.repeat(511)}😀`);
    expect(firstCharacters('short', 512)).toBe('short');
  });
});
