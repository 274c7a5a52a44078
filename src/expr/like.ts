// LIKE / ILIKE matchers: `%` any run, `_` one character (code point), no escape character
// (DuckDB has none without ESCAPE). A literal pattern is compiled once, to a plain string test
// when it allows one.

export type Matcher = (s: string) => boolean;

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

function likeRegex(pattern: string, caseInsensitive: boolean): RegExp {
  let src = '';
  for (const ch of pattern) {
    if (ch === '%') src += '.*';
    else if (ch === '_') src += '.';
    else src += ch.replace(REGEX_SPECIAL, '\\$&');
  }
  return new RegExp(`^${src}$`, caseInsensitive ? 'isu' : 'su');
}

export function compileLikePattern(pattern: string, caseInsensitive: boolean): Matcher {
  if (!caseInsensitive && !pattern.includes('_')) {
    const parts = pattern.split('%');
    if (parts.length === 1) return (s) => s === pattern;
    const nonEmpty = parts.filter((p) => p !== '');
    if (nonEmpty.length === 0) return () => true;
    if (parts.length === 2) {
      const [head, tail] = parts as [string, string];
      if (tail === '') return (s) => s.startsWith(head);
      if (head === '') return (s) => s.endsWith(tail);
    }
    if (parts.length === 3 && parts[0] === '' && parts[2] === '') {
      const mid = parts[1]!;
      return (s) => s.includes(mid);
    }
  }
  const re = likeRegex(pattern, caseInsensitive);
  return (s) => re.test(s);
}

/** For a pattern that varies per row: cache the last compiled pattern. */
export function dynamicLike(caseInsensitive: boolean): (s: string, pattern: string) => boolean {
  let lastPattern: string | undefined;
  let lastMatcher: Matcher = () => false;
  return (s, pattern) => {
    if (pattern !== lastPattern) {
      lastPattern = pattern;
      lastMatcher = compileLikePattern(pattern, caseInsensitive);
    }
    return lastMatcher(s);
  };
}
