// GS1 Application Identifiers: the table (format, check digit, date rules) and element-string parsing in
// the three accepted spellings: (01)…(10)…, [01]…[10]…, and raw with FNC1 as GS (\x1d) or a leading ]C1/]d2/]Q3/]e0.
// The table covers the AIs in common trade use; an AI outside it is refused by name rather than passed blind.

/** n = digits, x = GS1 character set 82; fixed when min === max. */
type AiRule = {
  title: string;
  kind: 'n' | 'x';
  min: number;
  max: number;
  check?: boolean;
  date?: boolean;
  decimals?: boolean;
};

const n = (title: string, len: number, extra: Partial<AiRule> = {}): AiRule => ({
  title,
  kind: 'n',
  min: len,
  max: len,
  ...extra,
});
const nv = (title: string, max: number): AiRule => ({ title, kind: 'n', min: 1, max });
const xv = (title: string, max: number): AiRule => ({ title, kind: 'x', min: 1, max });

const FIXED: Record<string, AiRule> = {
  '00': n('SSCC', 18, { check: true }),
  '01': n('GTIN', 14, { check: true }),
  '02': n('CONTENT', 14, { check: true }),
  '10': xv('BATCH/LOT', 20),
  '11': n('PROD DATE', 6, { date: true }),
  '12': n('DUE DATE', 6, { date: true }),
  '13': n('PACK DATE', 6, { date: true }),
  '15': n('BEST BEFORE', 6, { date: true }),
  '16': n('SELL BY', 6, { date: true }),
  '17': n('USE BY', 6, { date: true }),
  '20': n('VARIANT', 2),
  '21': xv('SERIAL', 20),
  '22': xv('CPV', 20),
  '235': xv('TPX', 28),
  '240': xv('ADDITIONAL ID', 30),
  '241': xv('CUST. PART No.', 30),
  '242': nv('MTO VARIANT', 6),
  '250': xv('SECONDARY SERIAL', 30),
  '251': xv('REF. TO SOURCE', 30),
  '253': { title: 'GDTI', kind: 'x', min: 14, max: 30 },
  '254': xv('GLN EXTENSION COMPONENT', 20),
  '255': { title: 'GCN', kind: 'n', min: 14, max: 25 },
  '30': nv('VAR. COUNT', 8),
  '37': nv('COUNT', 8),
  '400': xv('ORDER NUMBER', 30),
  '401': xv('GINC', 30),
  '402': n('GSIN', 17, { check: true }),
  '403': xv('ROUTE', 30),
  '410': n('SHIP TO LOC', 13, { check: true }),
  '411': n('BILL TO', 13, { check: true }),
  '412': n('PURCHASE FROM', 13, { check: true }),
  '413': n('SHIP FOR LOC', 13, { check: true }),
  '414': n('LOC No.', 13, { check: true }),
  '415': n('PAY TO', 13, { check: true }),
  '416': n('PROD/SERV LOC', 13, { check: true }),
  '417': n('PARTY', 13, { check: true }),
  '420': xv('SHIP TO POST', 20),
  '421': { title: 'SHIP TO POST', kind: 'x', min: 4, max: 12 },
  '422': n('ORIGIN', 3),
  '8003': { title: 'GRAI', kind: 'x', min: 15, max: 30 },
  '8004': xv('GIAI', 30),
  '8005': n('PRICE PER UNIT', 6),
  '8006': n('ITIP', 18),
  '8008': { title: 'PROD TIME', kind: 'n', min: 8, max: 12 },
  '8017': n('GSRN - PROVIDER', 18, { check: true }),
  '8018': n('GSRN - RECIPIENT', 18, { check: true }),
  '8020': xv('REF No.', 25),
  '8200': xv('PRODUCT URL', 70),
};

/** The rule for an AI, or undefined when it is not one we know. */
export function aiRule(ai: string): AiRule | undefined {
  const fixed = FIXED[ai];
  if (fixed) return fixed;
  // 310n-369n: trade measures, six digits with n implied decimals; 390n-393n amounts.
  if (/^3[1-6]\d[0-9]$/.test(ai)) return n('MEASURE', 6, { decimals: true });
  if (/^39[0-3][0-9]$/.test(ai))
    return {
      title: 'AMOUNT',
      kind: 'n',
      min: ai[2] === '0' || ai[2] === '2' ? 1 : 4,
      max: ai[2] === '0' || ai[2] === '2' ? 15 : 18,
    };
  if (/^7003$/.test(ai)) return n('EXPIRY TIME', 10);
  if (/^9[1-9]$/.test(ai)) return xv('INTERNAL', 90);
  if (ai === '90') return xv('INTERNAL', 30);
  return undefined;
}

/** AIs whose value length is fixed by their prefix (GS1 General Specifications 7.8.4): no FNC1 after them. */
const PREDEFINED_LENGTH: Record<string, number> = {
  '00': 20,
  '01': 16,
  '02': 16,
  '03': 16,
  '04': 18,
  '11': 8,
  '12': 8,
  '13': 8,
  '14': 8,
  '15': 8,
  '16': 8,
  '17': 8,
  '18': 8,
  '19': 8,
  '20': 4,
  '31': 10,
  '32': 10,
  '33': 10,
  '34': 10,
  '35': 10,
  '36': 10,
  '41': 16,
};

/** Whether an AI's value has a predefined length, so no FNC1 follows it in a symbol. */
export function hasPredefinedLength(ai: string): boolean {
  return Object.hasOwn(PREDEFINED_LENGTH, ai.slice(0, 2));
}

export type Element = { ai: string; value: string };
export type Gs1Outcome = { ok: true; elements: Element[] } | { ok: false; ai?: string; message: string };

const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$/;

function gs1CheckDigit(digits: string): number {
  let sum = 0;
  for (let i = digits.length - 1, w = 3; i >= 0; i--, w = 4 - w) sum += (digits.charCodeAt(i) - 48) * w;
  return (10 - (sum % 10)) % 10;
}

function validDate(yymmdd: string): boolean {
  const mm = Number(yymmdd.slice(2, 4));
  const dd = Number(yymmdd.slice(4, 6));
  if (mm < 1 || mm > 12) return false;
  if (dd === 0) return true; // "00" = end of month (GS1 GenSpecs 7.12)
  const yy = Number(yymmdd.slice(0, 2));
  const days = new Date(Date.UTC(2000 + yy, mm, 0)).getUTCDate();
  return dd <= days;
}

/**
 * Validates one element; completes a GTIN/SSCC/GLN given one digit short of its check digit.
 * Returns the (possibly completed) value or a message naming the AI.
 */
export function validateElement(
  ai: string,
  raw: string,
): { ok: true; value: string } | { ok: false; ai: string; message: string } {
  const rule = aiRule(ai);
  if (!rule) return { ok: false, ai, message: `(${ai}) is not a GS1 application identifier this service knows` };
  let value = raw;
  if (rule.kind === 'n' && !/^\d+$/.test(value))
    return { ok: false, ai, message: `(${ai}) ${rule.title} takes digits only; got "${value}"` };
  if (rule.kind === 'x' && !CSET82.test(value))
    return { ok: false, ai, message: `(${ai}) ${rule.title} contains characters outside the GS1 character set` };
  if (rule.check && value.length === rule.max - 1) value += String(gs1CheckDigit(value));
  if (value.length < rule.min || value.length > rule.max) {
    const want = rule.min === rule.max ? `${rule.min}` : `${rule.min} to ${rule.max}`;
    return { ok: false, ai, message: `(${ai}) ${rule.title} takes ${want} characters; got ${raw.length}` };
  }
  if (rule.check) {
    const expected = gs1CheckDigit(value.slice(0, -1));
    if (String(expected) !== value.slice(-1))
      return {
        ok: false,
        ai,
        message: `(${ai}) ${rule.title} check digit ${value.slice(-1)} is wrong for ${value}; expected ${expected}`,
      };
  }
  if (rule.date && !validDate(value))
    return { ok: false, ai, message: `(${ai}) ${rule.title} ${value} is not a valid YYMMDD date` };
  return { ok: true, value };
}

const BRACKETED = /^[([](\d{2,4})[)\]]([^()[\]]*)/;
const RAW_PREFIX = /^(\]C1|\]d2|\]Q3|\]e0|\x1d|\^|<FNC1>)/;

function parseBracketed(data: string): Gs1Outcome {
  const elements: Element[] = [];
  let rest = data;
  while (rest.length > 0) {
    const m = BRACKETED.exec(rest);
    if (!m || m[1] === undefined || m[2] === undefined) {
      const where =
        elements.length === 0
          ? 'GS1 data must start with an application identifier such as (01)'
          : `cannot read a GS1 element at "${rest.slice(0, 12)}"`;
      return { ok: false, message: `${where}; expected (AI)value pairs like (01)09506000134352(10)ABC123` };
    }
    if (m[2] === '') return { ok: false, ai: m[1], message: `(${m[1]}) has no value` };
    elements.push({ ai: m[1], value: m[2] });
    rest = rest.slice(m[0].length);
  }
  return { ok: true, elements };
}

// Raw: AI digits followed by the value; a predefined-length AI runs its fixed length, others to the next GS.
function parseRaw(data: string): Gs1Outcome {
  const elements: Element[] = [];
  let rest = data.replace(RAW_PREFIX, '');
  while (rest.length > 0) {
    const ai = [2, 3, 4].map((len) => rest.slice(0, len)).find((candidate) => aiRule(candidate) !== undefined);
    if (!ai)
      return {
        ok: false,
        ai: rest.slice(0, 4),
        message: `no GS1 application identifier this service knows starts "${rest.slice(0, 8)}"`,
      };
    const fixed = PREDEFINED_LENGTH[ai.slice(0, 2)];
    let end: number;
    if (fixed !== undefined) end = fixed;
    else {
      const gs = rest.indexOf('\x1d', ai.length);
      end = gs === -1 ? rest.length : gs;
    }
    elements.push({ ai, value: rest.slice(ai.length, end) });
    rest = rest.slice(end).replace(/^\x1d/, '');
  }
  return elements.length > 0
    ? { ok: true, elements }
    : { ok: false, message: 'GS1 data must contain at least one element' };
}

/** Parses and validates a GS1 element string in any accepted spelling. */
export function parseElementString(data: string): Gs1Outcome {
  const parsed = /^[([]/.test(data)
    ? parseBracketed(data)
    : /^(\d|\]C1|\]d2|\]Q3|\]e0|\x1d|\^|<FNC1>)/.test(data)
      ? parseRaw(data)
      : parseBracketed(data);
  if (!parsed.ok) return parsed;
  const out: Element[] = [];
  for (const e of parsed.elements) {
    const checked = validateElement(e.ai, e.value);
    if (!checked.ok) return checked;
    out.push({ ai: e.ai, value: checked.value });
  }
  return { ok: true, elements: out };
}

/** The (AI)value form bwip-js takes and zxing reports in HRI mode. */
export function bracketed(elements: readonly Element[]): string {
  return elements.map((e) => `(${e.ai})${e.value}`).join('');
}

// GS1 Digital Link (GS1 Digital Link standard 1.2): https://domain/…/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}][?17=…]
const PRIMARY = ['01', '00', '253', '255', '401', '402', '414', '417', '8003', '8004', '8006', '8010', '8017', '8018'];

/** Whether a URI is meant as a GS1 Digital Link (a primary key AI segment in its path). */
export function looksLikeDigitalLink(data: string): boolean {
  if (!/^https?:\/\//i.test(data)) return false;
  try {
    const segments = new URL(data).pathname.split('/');
    return segments.some((s, i) => PRIMARY.includes(s) && i + 1 < segments.length && /^\d/.test(segments[i + 1] ?? ''));
  } catch {
    return false;
  }
}

/** Validates every AI in a GS1 Digital Link URI's path and query. */
export function validateDigitalLink(data: string): { ok: true } | { ok: false; ai?: string; message: string } {
  let url: URL;
  try {
    url = new URL(data);
  } catch {
    return { ok: false, message: 'GS1 Digital Link is not a valid URI' };
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const start = segments.findIndex((s, i) => PRIMARY.includes(s) && i + 1 < segments.length);
  if (start === -1) return { ok: false, message: 'GS1 Digital Link needs a primary key such as /01/{GTIN}' };
  const pairs: Element[] = [];
  for (let i = start; i + 1 < segments.length; i += 2)
    pairs.push({ ai: segments[i]!, value: decodeURIComponent(segments[i + 1]!) });
  if ((segments.length - start) % 2 !== 0)
    return { ok: false, message: `GS1 Digital Link path has an AI without a value after /${segments.at(-1)}` };
  for (const [key, value] of url.searchParams) if (/^\d{2,4}$/.test(key)) pairs.push({ ai: key, value });
  for (const p of pairs) {
    // A GTIN in a Digital Link may be given as GTIN-8/12/13 and is padded to 14 digits.
    const value = p.ai === '01' && /^\d{8}$|^\d{12,13}$/.test(p.value) ? p.value.padStart(14, '0') : p.value;
    const checked = validateElement(p.ai, value);
    if (!checked.ok) return checked;
    if (p.ai === '01' && checked.value !== value)
      return { ok: false, ai: '01', message: `(01) GTIN in a Digital Link must include its check digit` };
  }
  return { ok: true };
}
