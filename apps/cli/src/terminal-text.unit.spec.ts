import { terminalText } from './terminal-text';

/** Issue 15, finding 7: nothing stored reaches the support engineer's terminal as a control sequence. */
describe('terminalText', () => {
  it.each([
    ['an ESC sequence (C0)', 'ada\u001b]0;pwned\u0007@example.com', 'ada\\u001b]0;pwned\\u0007@example.com'],
    ['a colour code', '\u001b[31mred\u001b[0m', '\\u001b[31mred\\u001b[0m'],
    ['DEL', 'a\u007fb', 'a\\u007fb'],
    ['a C1 CSI', 'a\u009b31mb', 'a\\u009b31mb'],
    ['a bidi override', 'evil\u202etxt.exe', 'evil\\u202etxt.exe'],
    ['a bidi isolate', 'a\u2066b\u2069', 'a\\u2066b\\u2069'],
    ['a carriage return', 'ok\rforged line', 'ok\\u000dforged line'],
    ['a line break', 'one\ntwo', 'one\\u000atwo'],
    ['a line separator', 'a\u2028b', 'a\\u2028b'],
  ])('given %s, then it is shown escaped', (_, text, shown) => {
    expect(terminalText(text)).toBe(shown);
  });

  it('given plain text with accents, emoji and tabs, then it is left alone', () => {
    expect(terminalText('Zoë Ünal 💥\tİ')).toBe('Zoë Ünal 💥\tİ');
  });
});
