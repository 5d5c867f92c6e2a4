/**
 * Reads the small, non-recursive GBNF grammars Inkling builds (writing/verse/lines/lineGrammar.ts) as a
 * JavaScript regular expression, so unit tests can check which texts a grammar allows without a
 * server. Supports rules, string literals, character classes, grouping, alternation and the
 * repetition operators * + ? {m} {m,} {m,n}; not recursion.
 */
export function gbnfToRegExp(grammar: string): RegExp {
  const rules = new Map<string, string>();
  for (const line of grammar.split('\n')) {
    const m = /^([a-zA-Z0-9-]+)\s*::=\s*(.*)$/.exec(line.trim());
    if (m) rules.set(m[1]!, m[2]!);
  }
  const expand = (name: string, depth: number): string => {
    if (depth > 20) throw new Error(`recursion through ${name}`);
    const body = rules.get(name);
    if (body === undefined) throw new Error(`undefined rule ${name}`);
    return `(?:${translate(body, (n) => expand(n, depth + 1))})`;
  };
  return new RegExp(`^${expand('root', 0)}$`, 'u');
}

function translate(body: string, rule: (name: string) => string): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '"') {
      let lit = '';
      i++;
      while (body[i] !== '"') {
        if (body[i] === '\\') {
          lit += unescape(body, i);
          i += escapeLength(body, i);
        } else lit += body[i++];
      }
      i++;
      out += `(?:${[...lit].map((ch) => ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('')})`;
    } else if (c === '[') {
      let cls = '[';
      i++;
      if (body[i] === '^') {
        cls += '^';
        i++;
      }
      while (body[i] !== ']') {
        if (body[i] === '\\') {
          const ch = unescape(body, i);
          i += escapeLength(body, i);
          cls += ch === '-' || ch === ']' || ch === '[' || ch === '\\' || ch === '^' ? `\\${ch}` : ch === '\n' ? '\\n' : ch === '\t' ? '\\t' : ch === '\r' ? '\\r' : ch === '\0' ? '\\0' : ch;
        } else cls += body[i++];
      }
      i++;
      out += `${cls}]`;
    } else if (c === '(' || c === ')' || c === '|' || c === '*' || c === '+' || c === '?') {
      out += c === '(' ? '(?:' : c;
      i++;
    } else if (c === '{') {
      const end = body.indexOf('}', i);
      out += body.slice(i, end + 1);
      i = end + 1;
    } else {
      const m = /^[a-zA-Z0-9-]+/.exec(body.slice(i))!;
      out += rule(m[0]);
      i += m[0].length;
    }
  }
  return out;
}

function escapeLength(s: string, i: number): number {
  const k = s[i + 1];
  if (k === 'x') return 4;
  if (k === 'u') return 6;
  if (k === 'U') return 10;
  return 2;
}

function unescape(s: string, i: number): string {
  const k = s[i + 1]!;
  switch (k) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case 'x':
      return String.fromCodePoint(parseInt(s.slice(i + 2, i + 4), 16));
    case 'u':
      return String.fromCodePoint(parseInt(s.slice(i + 2, i + 6), 16));
    case 'U':
      return String.fromCodePoint(parseInt(s.slice(i + 2, i + 10), 16));
    default:
      return k;
  }
}
