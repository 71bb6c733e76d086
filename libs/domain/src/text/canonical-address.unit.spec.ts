import { addressFault, canonicalAddress, foldText } from './canonical-address';

const HELD = 'ada@example.com';

describe('One canonical address (rule L8, issue 15 finding 4)', () => {
  describe.each([
    ['leading and trailing spaces', '  ada@example.com  '],
    ['decomposed accents fold like composed ones', 'ade\u0301@example.com'],
    ['fullwidth letters', 'ａｄａ@ｅｘａｍｐｌｅ.ｃｏｍ'],
    ['upper case', 'ADA@EXAMPLE.COM'],
    ['a trailing dot on the domain', 'ada@example.com.'],
    ['a trailing ideographic full stop on the domain', 'ada@example.com\u3002'],
    ['a dot and an ideographic full stop', 'ada@example.com.\u3002'],
    ['a hair space before a trailing dot', 'ada@example.com\u200a.'],
    ['spaces between trailing dots', 'ada@example.com. .'],
    ['a no-break space inside the domain', 'ada@example\u00a0.com'],
    ['an IDNA domain in Unicode and in ASCII', 'ada@bücher.example'],
  ])('given %s', (_, variant) => {
    it('when it is made canonical, then it is the one form of its address', () => {
      const expected = variant.includes('bücher') ? 'ada@xn--bcher-kva.example' : variant.includes('\u0301') ? 'adé@example.com' : HELD;
      expect(canonicalAddress(variant)).toBe(expected);
    });
  });

  it('given a composed and a decomposed é, when both are made canonical, then they are equal', () => {
    expect(canonicalAddress('adé@example.com')).toBe(canonicalAddress('ade\u0301@example.com'));
  });

  it('given ß, final sigma, long s and the Kelvin sign, when folded, then they fold fully (not only lower-cased)', () => {
    expect(foldText('STRAßE')).toBe('strasse');
    expect(foldText('STRAẞE')).toBe('strasse');
    expect(foldText('ΟΔΟΣ')).toBe(foldText('οδος'));
    expect(foldText('ſam')).toBe('sam');
    expect(foldText('\u212Aelvin')).toBe('kelvin');
  });

  it.each([
    ['a tab', 'ada\t@example.com'],
    ['a zero-width space', 'a\u200bda@example.com'],
    ['a zero-width joiner', 'ada\u200d@example.com'],
    ['a right-to-left mark', '\u200fada@example.com'],
    ['a soft hyphen', 'a\u00adda@example.com'],
    ['a line separator', 'ada\u2028@example.com'],
    ['a NUL-free C1 control', 'ada\u0085@example.com'],
    ['a combining grapheme joiner', 'a\u034fda@example.com'],
    ['a variation selector', 'ada\ufe0f@example.com'],
    ['a supplementary variation selector', 'ad\u{e0100}a@example.com'],
    ['a Hangul filler', 'ada\u3164@example.com'],
    ['a Mongolian free variation selector', 'ada\u180b@example.com'],
    ['a blank braille pattern', 'ada\u2800@example.com'],
  ])('given an address with %s, when checked, then it is refused, and its key drops the character', (_, address) => {
    expect(addressFault(address)).toMatch(/control, format, zero-width or other invisible/);
    expect(canonicalAddress(address)).toBe(HELD);
  });

  it('given percent signs or a number in an ASCII domain, when made canonical, then they are kept as folded (no URL host parsing)', () => {
    expect(canonicalAddress('ada@example.com%2e')).toBe('ada@example.com%2e');
    expect(canonicalAddress('ada@ex%61mple.com')).toBe('ada@ex%61mple.com');
    expect(canonicalAddress('ada@0x7f.1')).toBe('ada@0x7f.1');
  });

  it('given a domain IDNA maps (capital sigmas, ẞ), when made canonical, then it is what IDNA makes of it', () => {
    expect(canonicalAddress('bob@ΣΑΣ-x.gr')).toBe(canonicalAddress('bob@σασ-x.gr'));
    expect(canonicalAddress('bob@FAẞ.de')).toBe(canonicalAddress('bob@fass.de'));
  });

  it('given a domain holding what no domain name holds (#, %, ?), when made canonical, then it is only lower-cased, never cut or decoded', () => {
    expect(canonicalAddress('bob@bücher.de#x')).toBe('bob@bücher.de#x');
    expect(canonicalAddress('bob@bücher%2Ede')).toBe('bob@bücher%2ede');
    expect(canonicalAddress('bob@bücher.de')).toBe('bob@xn--bcher-kva.de');
  });

  it('given domains IDNA keeps apart (ß, final sigma), when made canonical, then they stay apart, each whatever its case', () => {
    expect(canonicalAddress('bob@faß.de')).not.toBe(canonicalAddress('bob@fass.de'));
    expect(canonicalAddress('bob@FAß.DE')).toBe(canonicalAddress('bob@faß.de'));
    expect(canonicalAddress('bob@σοφίας.gr')).not.toBe(canonicalAddress('bob@σοφίασ.gr'));
    expect(canonicalAddress('BOB@ＦＡＳＳ.ＤＥ')).toBe('bob@fass.de');
  });

  it.each(['  Ada@Bücher.Example. ', 'WEIẞ@faß.de', 'ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'İ@x.test', 'no-domain', 'a@b@c.test'])(
    'given %s, when made canonical twice, then the second time changes nothing',
    (address) => {
      expect(canonicalAddress(canonicalAddress(address))).toBe(canonicalAddress(address));
    },
  );

  it('given a plain address, when checked, then nothing is wrong with it', () => {
    expect(addressFault('ada.lovelace+backup@example.com')).toBeNull();
    expect(addressFault('José Ramírez@example.com')).toBeNull();
  });

  it('given a userName that is not an address, when made canonical, then it is folded and trimmed only', () => {
    expect(canonicalAddress(' Ada Lovelace ')).toBe('ada lovelace');
  });

  it('given every code point up to U+2FFFF, when folded twice, then the second fold changes nothing', () => {
    const changed: string[] = [];
    for (let code = 0; code < 0x30000; code++) {
      if (code >= 0xd800 && code < 0xe000) continue;
      const once = foldText(String.fromCodePoint(code));
      if (foldText(once) !== once) changed.push(code.toString(16));
    }
    expect(changed).toEqual([]);
  });

  it('given 300 × İ, when folded, then it grows to 600 characters (why bounds are checked on the stored form)', () => {
    expect([...foldText('İ'.repeat(300))].length).toBe(600);
  });
});
