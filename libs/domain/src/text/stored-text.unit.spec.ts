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

  // Boundaries that `npm run test:mutation` found unpinned: the first and last high and low surrogates, a pair at
  // the very end, a lone half, a width met exactly.
  it('given the first and the last surrogate pairs, when counted, then each is one character; a lone or reversed half counts alone', () => {
    expect(characterCount('\ud800\udc00')).toBe(1);
    expect(characterCount('\udbff\udfff')).toBe(1);
    expect(characterCount('x\ud800')).toBe(2);
    expect(characterCount('\udc00\ud800')).toBe(2);
    expect(characterCount('\ud7ff\udc00')).toBe(2);
    expect(characterCount('\udc00\udc00')).toBe(2);
    expect(characterCount('\ud800\ue000')).toBe(2);
    expect(characterCount('\ud800\udbff')).toBe(2);
  });

  it('given text exactly as wide as the column, when checked, then it fits; one character more does not', () => {
    expect(fitsWidth(3, 'ab😀')).toBe(true);
    expect(fitsWidth(3, 'ab😀c')).toBe(false);
  });

  it('given text exactly as long as the width, or a pair right at the cut, when its first characters are taken, then nothing is lost and no half pair is left', () => {
    expect(firstCharacters('abc', 3)).toBe('abc');
    expect(firstCharacters('ab\ud800\udc00', 3)).toBe('ab\ud800\udc00');
    expect(firstCharacters('ab\udbff\udfffc', 3)).toBe('ab\udbff\udfff');
    expect(firstCharacters('abcd\ud800', 4)).toBe('abcd');
    expect(firstCharacters('a\ud800', 1)).toBe('a');
  });
});
