/**
 * Microsoft Entra ID's tutorial shows, and some of its customers' tools send,
 * filter values without quotes: `externalId eq jyoung`, `userName eq
 * ada@example.com` (issue 18, item 5). RFC 7644 §3.4.2.2 makes compValue JSON,
 * so such a value is a word scim2-parse-filter refuses (or cannot even
 * tokenise, for `@`). We read a bare value as the string it spells, except
 * where it already is JSON: `true`, `false`, `null` and numbers keep their
 * type (`active eq true` stays a boolean).
 *
 * Only a single bare word right after a comparison operator is quoted: it ends
 * at whitespace, `)` or `]` (or the end), and may not hold `"`, `(`, `)`, `[`,
 * `]`. Two words, a quote or a bracket in their place are left as they are,
 * and the parser refuses them (400 invalidFilter). Quoted values are skipped
 * whole, so nothing inside one is ever rewritten.
 */

const QUOTED_OR_BARE_COMPARISON = /"(?:[^"\\]|\\[\s\S])*"|(?<=^|[\s([]|\]\.)([^\s"()[\]]+\s+(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+)([^\s"()[\]]+)(?=[\s)\]]|$)/gi;

/** RFC 7159 §3 and §6: the JSON literals and numbers, which a compValue may be without quotes. */
const JSON_LITERAL = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?)$/;

export function quoteBareValues(filter: string): string {
  return filter.replace(QUOTED_OR_BARE_COMPARISON, (match: string, comparison?: string, value?: string) =>
    comparison === undefined || value === undefined || JSON_LITERAL.test(value) ? match : `${comparison}${JSON.stringify(value)}`,
  );
}
