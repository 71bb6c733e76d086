import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ScimError, unstorableString } from '@scim-ledger/scim';

/**
 * Deepest JSON a body may nest. A SCIM User or PatchOp needs about six levels
 * (PatchOp → Operations → op → value → emails → email); anything far deeper is
 * an attack on the recursive code behind the parser (structuredClone, PATCH
 * paths), refused before JSON.parse builds it (RFC 7644 §7: limit resource use).
 */
export const MAX_JSON_DEPTH = 32;

/** How deep objects and arrays nest, counted on the text in one pass, strings skipped. */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/**
 * Both JSON media types (RFC 7644 §3.1: application/scim+json and
 * application/json) go through Fastify's own parser, which refuses
 * __proto__ and constructor keys, after the nesting check.
 */
export function parseJsonBodies(fastify: FastifyInstance, bodyLimit: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    ['application/json', 'application/scim+json'],
    { parseAs: 'string', bodyLimit },
    (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (jsonNestingDepth(text) > MAX_JSON_DEPTH) {
        done(new ScimError(400, `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, 'invalidSyntax'));
        return;
      }
      parse(request, text, (error: Error | null, value?: unknown) => {
        if (error) return done(error);
        // Unknown attributes are kept in the creating event (rule A3): every string must be storable.
        if (unstorableString(value) !== undefined) {
          return done(new ScimError(400, 'strings in the body may not contain U+0000 or an unpaired surrogate', 'invalidValue'));
        }
        done(null, value);
      });
    },
  );
}
