import { domainToASCII } from 'node:url';

/**
 * Characters an address may not hold at all (rule L8): controls (Cc), format
 * characters (Cf: zero-width space and joiners, bidi marks, soft hyphen,
 * BOM), and line and paragraph separators. Each would let one mailbox be
 * spelt twice, looking the same.
 */
const FORBIDDEN_IN_ADDRESS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const FORBIDDEN_EVERYWHERE = new RegExp(FORBIDDEN_IN_ADDRESS.source, 'gu');

/** Why `text` cannot be an address, or null when it can. */
export function addressFault(text: string): string | null {
  return FORBIDDEN_IN_ADDRESS.test(text) ? 'may not contain control, format or zero-width characters' : null;
}

/**
 * Text folded so that what reads alike compares alike: Unicode NFKC
 * (fullwidth letters, ligatures, composed and decomposed accents), then a
 * full case fold. JavaScript has no case fold; upper- then lower-casing
 * gives the full folding of ß (ss), ς (σ), ſ (s) and the Kelvin sign that
 * toLowerCase alone misses, and NFKC again closes what casing opened.
 * Forbidden characters (addressFault) are dropped, so a key can still be
 * derived from data stored before they were refused.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFKC')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKC')
    .replace(FORBIDDEN_EVERYWHERE, '');
}

/**
 * The one form under which an address is unique across tenants (rule L8),
 * used by its claim, the read model's lookup columns and the filters: folded
 * (foldText) and trimmed; the domain without a trailing dot and in its IDNA
 * ASCII form, so `bob@bücher.example.` and `bob@xn--bcher-kva.example` are
 * one address.
 */
export function canonicalAddress(text: string): string {
  const folded = foldText(text).trim();
  const at = folded.lastIndexOf('@');
  if (at < 0) return folded;
  const domain = folded.slice(at + 1).trim().replace(/\.+$/, '');
  // domainToASCII answers '' for what is not a domain name: such a domain is kept as folded.
  return `${folded.slice(0, at).trim()}@${domainToASCII(domain) || domain}`;
}
