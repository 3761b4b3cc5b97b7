/**
 * Splits a YAML stream into documents as it is read, so a file of any size is processed with bounded
 * memory: only the current document is buffered, and a document larger than the limit is skipped
 * (and reported) without being held in memory.
 *
 * Document boundaries are lines beginning with `---` or `...` (YAML's document markers, which the
 * spec forbids inside any scalar at column 0). The document text starts on the marker line, with the
 * marker blanked out (or, for a marker alone on its line, just after it), so that columns stay exact
 * and line numbers stay relative to the marker line.
 */

export interface RawDocument {
  /** 0-based index of the document in the stream (empty documents are not counted). */
  index: number;
  /** The document's text, starting at `startLine`. Empty when the document was too large. */
  text: string;
  /** 1-based line of the first line of `text` in the stream. */
  startLine: number;
  /** 1-based line of the first line that is not blank, a comment or a directive. */
  firstContentLine: number;
  /** Set when the document exceeded the size limit; its size in characters. */
  oversizedChars?: number;
  /** Set when the document contains bytes that are not valid UTF-8: the first such line. */
  invalidUtf8Line?: number;
}

const SEPARATOR = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;

export class DocumentSplitter {
  private parts: string[] = [];
  private chars = 0;
  private oversized = false;
  /** Line number at which the current document starts. */
  private docStartLine = 1;
  /** Line number of the next complete line to be appended. */
  private line = 1;
  /** Incomplete trailing line of the previous chunk. */
  private partial = '';
  /** When the partial line grew past the limit, only its head is kept (enough to see if it is a marker). */
  private partialDropped = false;
  private index = 0;
  private readonly invalidLines: number[] = [];
  /** Directive lines (`%YAML`) waiting for the document they belong to. */
  private pendingDirectives: { text: string; startLine: number } | undefined;

  constructor(
    private readonly maxDocChars: number,
    private readonly emit: (doc: RawDocument) => void,
  ) {}

  /** Records that the stream has bytes that are not valid UTF-8 on this line. */
  markInvalidUtf8(line: number): void {
    this.invalidLines.push(line);
  }

  push(chunk: string): void {
    if (chunk.length === 0) return;
    let text: string;
    if (this.partialDropped) {
      const nl = chunk.indexOf('\n');
      if (nl < 0) {
        this.chars += chunk.length;
        return;
      }
      // The over-long line ends here; it was content (a marker line is never that long).
      this.chars += nl + 1;
      this.line++;
      this.partialDropped = false;
      this.partial = '';
      text = chunk.slice(nl + 1);
    } else {
      text = this.partial + chunk;
    }
    const lastNl = text.lastIndexOf('\n');
    if (lastNl < 0) {
      this.partial = text;
      if (text.length > this.maxDocChars) {
        this.markOversized(text.length);
        this.partial = '';
        this.partialDropped = true;
      }
      return;
    }
    this.partial = text.slice(lastNl + 1);
    this.processLines(text.slice(0, lastNl + 1));
  }

  end(): void {
    if (this.partialDropped) {
      this.partialDropped = false;
    } else if (this.partial.length > 0) {
      const p = this.partial;
      this.partial = '';
      this.processLines(p);
    }
    this.finishDocument();
  }

  /** `block` begins at a line start; all its lines but possibly the last end with a newline. */
  private processLines(block: string): void {
    SEPARATOR.lastIndex = 0;
    let pos = 0;
    let m: RegExpExecArray | null;
    while ((m = SEPARATOR.exec(block)) !== null) {
      const at = m.index;
      this.append(block, pos, at);
      this.finishDocument();
      // The new document starts on the marker line, with the marker blanked.
      this.docStartLine = this.line;
      const keepMarker = this.pendingDirectives !== undefined && m[0] === '---';
      if (keepMarker) {
        pos = at;
      } else if (block.charCodeAt(at + 3) === 10 /* \n */) {
        // A marker alone on its line: the document starts at the end of that line, so that its text
        // is a slice of what was read rather than a copy (same lines, and nothing on the first).
        this.chars += 3;
        pos = at + 3;
      } else {
        this.appendString('   ');
        pos = at + 3;
      }
      SEPARATOR.lastIndex = at + 3;
    }
    this.append(block, pos, block.length);
  }

  private append(block: string, from: number, to: number): void {
    if (to <= from) return;
    let n = 0;
    let i = block.indexOf('\n', from);
    while (i >= 0 && i < to) {
      n++;
      i = block.indexOf('\n', i + 1);
    }
    if (!this.oversized) {
      if (this.chars + (to - from) > this.maxDocChars) {
        this.markOversized(this.chars + (to - from));
      } else {
        this.parts.push(block.slice(from, to));
      }
    }
    this.chars += to - from;
    this.line += n;
  }

  private appendString(s: string): void {
    if (!this.oversized) this.parts.push(s);
    this.chars += s.length;
  }

  private markOversized(size: number): void {
    this.oversized = true;
    this.parts = [];
    this.chars = Math.max(this.chars, size);
  }

  private finishDocument(): void {
    const startLine = this.docStartLine;
    const endLine = this.line;
    let invalid: number | undefined;
    for (const l of this.invalidLines) {
      if (l >= startLine && l <= endLine) {
        invalid = l;
        break;
      }
    }
    if (this.oversized) {
      this.emit({ index: this.index++, text: '', startLine, firstContentLine: startLine, oversizedChars: this.chars, ...(invalid !== undefined ? { invalidUtf8Line: invalid } : {}) });
    } else {
      let text = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
      let start = startLine;
      if (this.pendingDirectives) {
        text = this.pendingDirectives.text + text;
        start = this.pendingDirectives.startLine;
        this.pendingDirectives = undefined;
      }
      const first = firstContent(text);
      if (first.kind === 'content') {
        this.emit({ index: this.index++, text, startLine: start, firstContentLine: start + first.line, ...(invalid !== undefined ? { invalidUtf8Line: invalid } : {}) });
      } else if (first.kind === 'directives') {
        this.pendingDirectives = { text, startLine: start };
      } else if (invalid !== undefined) {
        // Nothing parseable, but the bytes were bad: still report it.
        this.emit({ index: this.index++, text: '', startLine: start, firstContentLine: start, invalidUtf8Line: invalid });
      }
    }
    this.parts = [];
    this.chars = 0;
    this.oversized = false;
  }
}

/** Finds the first line that is content (0-based), or says the text holds only directives / nothing. */
function firstContent(text: string): { kind: 'content'; line: number } | { kind: 'directives' } | { kind: 'empty' } {
  let line = 0;
  let pos = 0;
  let sawDirective = false;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    let i = pos;
    while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 13)) i++;
    if (i < end) {
      const c = text.charCodeAt(i);
      if (c === 35 /* # */) {
        // comment
      } else if (c === 37 /* % */ && i === pos) {
        sawDirective = true;
      } else if (i === pos && text.startsWith('---', i) && /^---\s*(#.*)?$/.test(text.slice(i, end).trimEnd())) {
        // the document marker kept after directives
      } else {
        return { kind: 'content', line };
      }
    }
    line++;
    pos = end + 1;
  }
  return sawDirective ? { kind: 'directives' } : { kind: 'empty' };
}
