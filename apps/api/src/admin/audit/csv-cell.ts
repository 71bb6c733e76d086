/**
 * What a spreadsheet reads as the start of a formula (OWASP "CSV Injection"):
 * = + - @, a tab or a carriage return, and the full-width = + - @ some
 * spreadsheets fold to them.
 */
const FORMULA_START = /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;

/**
 * One CSV cell of an export an admin opens in a spreadsheet. A text that
 * would start a formula gets a leading apostrophe, which spreadsheets show as
 * text; then RFC 4180: a field with a comma, quote or line break is quoted,
 * its quotes doubled. Numbers are written as they are (the export's are never
 * negative); objects as JSON, which starts with `{` or `[`.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const raw = typeof value === 'string' ? value : JSON.stringify(value);
  const text = FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
