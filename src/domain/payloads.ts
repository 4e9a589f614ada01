// Structured QR payloads: validated objects turned into the strings phones understand.
// wifi: the ZXing "WIFI:" format; vcard: vCard 3.0 (RFC 2426); email: mailto (RFC 6068); sms: SMSTO;
// geo: RFC 5870; url: http(s) only; epc: EPC069-12 v002 (SEPA credit transfer, "GiroCode").
// Every field carries its description: the document, GET /v1/symbologies and the CLI read them from here.
import * as v from 'valibot';
import type { FieldError as Issue } from './problems.ts';

/** The symbology payloads build data for: their formats are what phones read from a QR Code. */
export const PAYLOAD_SYMBOLOGY = 'qrcode';

// These formats are line- and field-based: a control character in a field could start a line of its
// own (an EPC name carrying "\nDE02…\nEUR999.99" puts the attacker's IBAN and amount where a banking app
// reads them). One-line fields refuse every control character (C0, DEL, C1, U+2028/U+2029); multi-line
// fields (a note, a message body, an address) allow LF and CRLF, which their builders escape or encode.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]|\r(?!\n)/;
const text = (max: number, description: string, lines: 'one' | 'many' = 'one') =>
  v.pipe(
    v.string('must be a string'),
    v.minLength(1, 'must not be empty'),
    v.maxLength(max, `must be at most ${max} characters`),
    lines === 'one'
      ? v.check((s) => !CONTROL.test(s), 'must be one line without control characters')
      : v.check((s) => !CONTROL_BUT_NEWLINE.test(s), 'must not contain control characters other than line breaks'),
    v.description(
      lines === 'one'
        ? `${description} Checked by the server: one line, no control characters.`
        : `${description} Checked by the server: no control characters but line breaks (the builder escapes them).`,
    ),
  );
const optText = (max: number, description: string, lines: 'one' | 'many' = 'one') =>
  v.optional(text(max, description, lines));
const phone = (description: string) =>
  v.pipe(
    v.string('must be a string'),
    v.regex(/^\+?[0-9 ()-]{3,20}$/, 'must be a phone number like +44 20 7946 0000'),
    v.description(`${description}, like +44 20 7946 0000: digits, spaces, parentheses and dashes.`),
  );
const email = (description: string) =>
  v.pipe(
    v.string('must be a string'),
    v.email('must be an email address'),
    v.description(`${description} Checked by the server: an address like ada@example.com.`),
  );
const httpUrl = (description: string) =>
  v.pipe(
    v.string('must be a string'),
    v.url('must be a URL'),
    v.regex(/^https?:\/\//i, 'must be an http or https URL'),
    v.maxLength(2000),
    // URL parsers drop tabs and newlines, so v.url passes them; a vCard's URL line must not.
    v.check((s) => !CONTROL.test(s), 'must not contain control characters'),
    v.description(`${description}: http or https. Checked by the server: a URL without control characters.`),
  );
const kind = <const T extends string>(type: T, description: string) =>
  v.pipe(v.literal(type), v.description(description));
// Missing and unknown keys in plain words (valibot's own: `Invalid key: Expected "phone" but received undefined`).
const fieldsOf =
  (type: string) =>
  (issue: v.BaseIssue<unknown>): string =>
    issue.expected === 'never'
      ? `is not a field of payload type ${type}`
      : issue.received === 'undefined'
        ? `is required for payload type ${type}`
        : 'must be an object';

/** Each payload type's schema, by `type`; the `type` field's description says what the payload is. */
export const PAYLOAD_SCHEMAS = {
  wifi: v.strictObject(
    {
      type: kind('wifi', 'Join a Wi-Fi network (the ZXing WIFI: format phone cameras read).'),
      ssid: text(32, 'Network name.'),
      password: optText(63, 'Network password; left out when security is nopass.'),
      security: v.optional(
        v.pipe(
          v.picklist(['WPA', 'WEP', 'nopass'], 'must be WPA, WEP or nopass'),
          v.description('Authentication: WPA (WPA/WPA2/WPA3 personal), WEP or nopass (an open network).'),
        ),
        'WPA',
      ),
      hidden: v.optional(
        v.pipe(v.boolean('must be true or false'), v.description('Whether the network hides its name.')),
        false,
      ),
    },
    fieldsOf('wifi'),
  ),
  vcard: v.strictObject(
    {
      type: kind('vcard', 'A contact card (vCard 3.0, RFC 2426).'),
      name: text(100, 'Full name (N and FN).'),
      organization: optText(100, 'Organization (ORG).'),
      title: optText(100, 'Job title (TITLE).'),
      phone: v.optional(phone('Telephone number (TEL)')),
      email: v.optional(email('Email address (EMAIL).')),
      url: v.optional(httpUrl('Web site (URL)')),
      address: optText(200, 'Postal address, the street line (ADR).', 'many'),
      note: optText(500, 'Free text (NOTE).', 'many'),
    },
    fieldsOf('vcard'),
  ),
  email: v.strictObject(
    {
      type: kind('email', 'An email to write (a mailto: URI, RFC 6068).'),
      to: email('Recipient address.'),
      subject: optText(200, 'Subject line.'),
      body: optText(1000, 'Message text.', 'many'),
    },
    fieldsOf('email'),
  ),
  sms: v.strictObject(
    {
      type: kind('sms', 'A text message to send (SMSTO:).'),
      phone: phone('Recipient number'),
      message: optText(500, 'Message text.', 'many'),
    },
    fieldsOf('sms'),
  ),
  geo: v.strictObject(
    {
      type: kind('geo', 'A place on a map (a geo: URI, RFC 5870).'),
      latitude: v.pipe(
        v.number('must be a number'),
        v.minValue(-90, 'must be at least -90'),
        v.maxValue(90, 'must be at most 90'),
        v.description('Degrees north (negative: south), WGS 84.'),
      ),
      longitude: v.pipe(
        v.number('must be a number'),
        v.minValue(-180, 'must be at least -180'),
        v.maxValue(180, 'must be at most 180'),
        v.description('Degrees east (negative: west), WGS 84.'),
      ),
      altitude: v.optional(v.pipe(v.number('must be a number'), v.description('Metres above the WGS 84 ellipsoid.'))),
    },
    fieldsOf('geo'),
  ),
  url: v.strictObject({ type: kind('url', 'A web address to open.'), url: httpUrl('The address') }, fieldsOf('url')),
  epc: v.strictObject(
    {
      type: kind('epc', 'A SEPA credit transfer to make (EPC069-12 v002, "GiroCode"), in euros.'),
      name: text(70, 'Beneficiary name.'),
      iban: v.pipe(
        v.string('must be a string'),
        v.description(
          "Beneficiary IBAN; spaces and lower case allowed. Checked by the server: the IBAN's check digits.",
        ),
        v.transform((s) => s.replace(/\s+/g, '').toUpperCase()),
        v.check(validIban, 'must be a valid IBAN'),
      ),
      bic: v.optional(
        v.pipe(
          v.string('must be a string'),
          v.regex(/^[A-Za-z]{6}[A-Za-z0-9]{2}([A-Za-z0-9]{3})?$/, 'must be a BIC (8 or 11 characters)'),
          v.description("Beneficiary bank's BIC, 8 or 11 characters (optional within the EEA)."),
          v.toUpperCase(),
        ),
      ),
      amount: v.optional(
        v.pipe(
          v.number('must be a number'),
          v.minValue(0.01, 'must be at least 0.01'),
          v.maxValue(999999999.99, 'must be at most 999999999.99'),
          v.check((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'must have at most 2 decimals'),
          v.description('Amount in euros. Checked by the server: at most 2 decimals.'),
        ),
      ),
      reference: v.optional(
        v.pipe(
          v.string('must be a string'),
          v.regex(/^RF\d{2}[A-Z0-9]{1,21}$/, 'must be a structured creditor reference (RF…)'),
          v.description('Structured creditor reference (ISO 11649, RF…). Checked by the server: not with text.'),
        ),
      ),
      text: optText(140, 'Unstructured remittance information. Checked by the server: not with reference.'),
    },
    fieldsOf('epc'),
  ),
} as const;
const SCHEMAS = PAYLOAD_SCHEMAS;

export const PAYLOAD_TYPES = Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[];
export type PayloadType = keyof typeof SCHEMAS;

/** Any payload, discriminated by `type` (a JSON Schema `oneOf` in the document). */
export const payloadSchema = v.variant(
  'type',
  [SCHEMAS.wifi, SCHEMAS.vcard, SCHEMAS.email, SCHEMAS.sms, SCHEMAS.geo, SCHEMAS.url, SCHEMAS.epc],
  `must be an object with a type: ${PAYLOAD_TYPES.join(', ')}`,
);

function validIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const digits = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of digits) rem = (rem * 10 + Number(d)) % 97;
  }
  return rem === 1;
}

// Backslash-escapes for the WIFI: format (\ ; , " :) and vCard (\ ; , newline).
const wifiEscape = (s: string) => s.replace(/([\\;,":])/g, '\\$1');
const vcardEscape = (s: string) => s.replace(/([\\;,])/g, '\\$1').replace(/\r?\n/g, '\\n');

function build(p: v.InferOutput<(typeof SCHEMAS)[PayloadType]>): string {
  switch (p.type) {
    case 'wifi':
      return `WIFI:T:${p.security};S:${wifiEscape(p.ssid)};${p.password && p.security !== 'nopass' ? `P:${wifiEscape(p.password)};` : ''}${p.hidden ? 'H:true;' : ''};`;
    case 'vcard':
      return [
        'BEGIN:VCARD',
        'VERSION:3.0',
        `N:${vcardEscape(p.name)}`,
        `FN:${vcardEscape(p.name)}`,
        ...(p.organization ? [`ORG:${vcardEscape(p.organization)}`] : []),
        ...(p.title ? [`TITLE:${vcardEscape(p.title)}`] : []),
        ...(p.phone ? [`TEL:${p.phone}`] : []),
        ...(p.email ? [`EMAIL:${p.email}`] : []),
        ...(p.url ? [`URL:${p.url}`] : []),
        ...(p.address ? [`ADR:;;${vcardEscape(p.address)};;;;`] : []),
        ...(p.note ? [`NOTE:${vcardEscape(p.note)}`] : []),
        'END:VCARD',
      ].join('\r\n');
    case 'email': {
      const q = [
        p.subject && `subject=${encodeURIComponent(p.subject)}`,
        p.body && `body=${encodeURIComponent(p.body)}`,
      ].filter(Boolean);
      return `mailto:${p.to}${q.length > 0 ? `?${q.join('&')}` : ''}`;
    }
    case 'sms':
      return `SMSTO:${p.phone.replace(/[ ()-]/g, '')}:${p.message ?? ''}`;
    case 'geo':
      return `geo:${p.latitude},${p.longitude}${p.altitude === undefined ? '' : `,${p.altitude}`}`;
    case 'url':
      return p.url;
    case 'epc':
      // Service tag, version 002, UTF-8 (1), SCT; lines may be empty but not omitted before the last used one.
      return [
        'BCD',
        '002',
        '1',
        'SCT',
        p.bic ?? '',
        p.name,
        p.iban,
        p.amount === undefined ? '' : `EUR${p.amount.toFixed(2)}`,
        '',
        p.reference ?? '',
        p.reference ? '' : (p.text ?? ''),
      ]
        .join('\n')
        .replace(/\n+$/, '');
  }
}

/** Validates a payload object and builds its standard string; issues are pathed under `payload`. */
export function buildPayload(input: unknown): { ok: true; data: string } | { ok: false; issues: Issue[] } {
  const type = (input as { type?: unknown } | null)?.type;
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, issues: [{ path: 'payload', message: 'must be an object with a type' }] };
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type))
    return { ok: false, issues: [{ path: 'payload.type', message: `must be one of ${PAYLOAD_TYPES.join(', ')}` }] };
  const parsed = v.safeParse(SCHEMAS[type as PayloadType], input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.issues.map((i) => ({
        path: ['payload', ...(i.path ?? []).map((p) => String(p.key))].join('.'),
        message: i.message,
      })),
    };
  }
  if (parsed.output.type === 'epc' && parsed.output.reference && parsed.output.text)
    return {
      ok: false,
      issues: [{ path: 'payload.text', message: 'give either reference or text, not both (EPC069-12)' }],
    };
  return { ok: true, data: build(parsed.output) };
}
