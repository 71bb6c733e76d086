import { simpleLowerCase } from './simple-lower-case';

describe('simpleLowerCase: lower() as PostgreSQL spells it', () => {
  it.each([
    ['given accented capitals, then they lower-case as ASCII does', 'ÉMILE Ångström', 'émile ångström'],
    ['given a final capital sigma, then it becomes σ, not the final form ς', 'ΣΑΣ', 'σασ'],
    ['given a dotted capital I, then it becomes a plain i (its simple mapping), not i + U+0307', 'İSTANBUL', 'istanbul'],
    ['given a capital sharp s, then it becomes ß', 'FAẞ', 'faß'],
    ['given a letter beyond the BMP, then it lower-cases too', '𐐀x', '𐐨x'],
    ['given text without capitals, then it is unchanged', 'ß ς 123 ⓐ', 'ß ς 123 ⓐ'],
  ])('%s', (_title, text, lowered) => {
    // When
    const result = simpleLowerCase(text);
    // Then
    expect(result).toBe(lowered);
  });

  it('given every code point up to U+2FFFF, then each lowers to exactly one code point', () => {
    const longer: string[] = [];
    for (let codePoint = 1; codePoint <= 0x2ffff; codePoint++) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      if ([...simpleLowerCase(String.fromCodePoint(codePoint))].length !== 1) longer.push(codePoint.toString(16));
    }
    expect(longer).toEqual([]);
  });

  it('given ASCII capitals only, when lower-cased, then they become small letters (the ASCII path)', () => {
    expect(simpleLowerCase('ADA Lovelace')).toBe('ada lovelace');
  });
});
