import { csvCell } from './csv-cell';

/** Issue 15, finding 7: an exported cell is never a formula when a spreadsheet opens it (OWASP CSV injection). */
describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ["+cmd|' /C calc'!A0", `'+cmd|' /C calc'!A0`],
    ['-2+3', `'-2+3`],
    ['@SUM(1+1)', `'@SUM(1+1)`],
    ['\tleading tab', `'\tleading tab`],
    ['\rleading CR', `"'\rleading CR"`],
    ['\uff1d1+1', `'\uff1d1+1`],
    ['plain, with a comma', `"plain, with a comma"`],
    ['say "hi"', `"say ""hi"""`],
    ['a=b', 'a=b'],
    ['', ''],
  ])('given the text %j, then the cell %s', (text, cell) => {
    expect(csvCell(text)).toBe(cell);
  });

  it('given numbers, null and objects, then numbers as they are, null empty, objects as quoted JSON', () => {
    expect([csvCell(7), csvCell(null), csvCell(undefined), csvCell({ a: 1, b: '=x' })]).toEqual(['7', '', '', `"{""a"":1,""b"":""=x""}"`]);
  });
});
