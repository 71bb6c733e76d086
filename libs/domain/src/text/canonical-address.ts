import { domainToASCII } from 'node:url';

/**
 * Characters an address may not hold at all (rule L8): controls (Cc), format
 * characters (Cf: zero-width space and joiners, bidi marks, soft hyphen,
 * BOM), line and paragraph separators, every default-ignorable code point
 * (combining grapheme joiner, variation selectors, Hangul fillers, Mongolian
 * free variation selectors: what renders as nothing) and the blank braille
 * pattern. Each would let one mailbox be spelt twice, looking the same.
 */
const FORBIDDEN_IN_ADDRESS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u;
const FORBIDDEN_EVERYWHERE = new RegExp(FORBIDDEN_IN_ADDRESS.source, 'gu');

/** Why `text` cannot be an address, or null when it can. */
export function addressFault(text: string): string | null {
  return FORBIDDEN_IN_ADDRESS.test(text) ? 'may not contain control, format, zero-width or other invisible characters' : null;
}

/**
 * Text folded so that what reads alike compares alike: Unicode NFKC
 * (fullwidth letters, ligatures, composed and decomposed accents), then a
 * full case fold. JavaScript has no case fold; lower-, upper- then
 * lower-casing gives the full folding of ß and ẞ (ss), ς (σ), ſ (s) and the
 * Kelvin sign that toLowerCase alone misses (upper first left ẞ as ß), and
 * NFKC again closes what casing opened: the fold is idempotent on every code
 * point (checked over U+0000-U+2FFFF).
 * Forbidden characters (addressFault) are dropped, so a key can still be
 * derived from data stored before they were refused.
 */
export function foldText(text: string): string {
  return text.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC').replace(FORBIDDEN_EVERYWHERE, '');
}

/**
 * The one form under which an address is unique across tenants (rule L8),
 * used by its claim, the read model's lookup columns and the filters: the
 * local part folded (foldText) and trimmed; the domain lower-cased, without a
 * trailing dot (ideographic full stops are dots, UTS 46) and, when not
 * ASCII, in its IDNA ASCII form, so `bob@bücher.example.` and
 * `bob@xn--bcher-kva.example` are one address. The domain is not case-folded:
 * IDNA keeps `faß.de` and `fass.de` apart, they are two domains.
 */
export function canonicalAddress(text: string): string {
  const normalized = text.normalize('NFKC');
  const at = normalized.lastIndexOf('@');
  if (at < 0) return foldText(normalized).trim();
  const domain = normalized
    .slice(at + 1)
    .replace(FORBIDDEN_EVERYWHERE, '')
    // No domain name holds a space: NFKC has made every Unicode space one (U+00A0, U+200A, U+202F…).
    .replace(/\s+/gu, '')
    .replace(/[\u3002\uff61]/g, '.');
  return `${foldText(normalized.slice(0, at)).trim()}@${asciiDomain(withoutTrailingDots(domain))}`;
}

const withoutTrailingDots = (domain: string) => domain.replace(/\.+$/, '');

/** What a domain name can be made of; anything else (`# % / ? :`…) would be read by URL host parsing, not kept. */
const DOMAIN_NAME = /^[\p{L}\p{M}\p{N}._-]+$/u;

/**
 * A non-ASCII domain in its IDNA ASCII form. An ASCII one, or one holding
 * what no domain name holds, is only lower-cased: WHATWG host parsing would
 * percent-decode it, cut it at `#` and read numbers as IPv4 addresses.
 * domainToASCII answers '' for what is not a domain name: such a domain is
 * only lower-cased.
 */
function asciiDomain(domain: string): string {
  if (/^[\x00-\x7f]*$/.test(domain) || !DOMAIN_NAME.test(domain)) return domain.toLowerCase();
  // IDNA maps case itself (UTS 46): lower-casing first would turn a final Σ into ς and ẞ into ß, which IDNA keeps.
  return withoutTrailingDots(domainToASCII(domain)) || domain.toLowerCase();
}
